"""`make demo`: an operator for Côte-d'Or and a member of a Dijon structure, with known passwords
(local demo only), printed so a visitor can log in at /espace/."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count

from comptes.services import save_account
from dispositifs.models import Structure

OPERATEUR = ("operateur21@demo.annuaire", "operateur21-demo")
MEMBRE = ("structure@demo.annuaire", "structure-demo")


class Command(BaseCommand):
    help = "Crée (ou remet) les comptes de démonstration : un opérateur de Côte-d'Or et un membre de structure."

    def handle(self, *args, **opts):
        save_account(OPERATEUR[0], role="operateur", departements=["21"], sources=["demo-dreets-bfc"],
                     password=OPERATEUR[1])
        structure = (Structure.objects.filter(dispositifs__lieux__commune__departement_id="21")
                     .annotate(n=Count("dispositifs")).order_by("-n", "pk").first())
        if structure is None:
            structure, _ = Structure.objects.get_or_create(name="Association de démonstration (Dijon)",
                                                           defaults={"commune_id": "21231"})
        save_account(MEMBRE[0], role="structure", structure=structure, password=MEMBRE[1])
        self.stdout.write(f"==> opérateur Côte-d'Or : {OPERATEUR[0]} / {OPERATEUR[1]} ({settings.SITE_URL}/espace/)")
        self.stdout.write(f"==> membre de « {structure} » : {MEMBRE[0]} / {MEMBRE[1]} (local demo only)")
