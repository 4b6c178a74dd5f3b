"""Create or update an account: `create_account EMAIL --role operateur --departement 21 --print-token`."""

from django.core.management.base import BaseCommand, CommandError

from comptes.models import Role
from comptes.services import AccountError, api_token, save_account
from dispositifs.models import Structure


class Command(BaseCommand):
    help = "Crée ou met à jour un compte (rôle, territoire, structure) ; --print-token affiche son jeton d'API."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--departement", action="append", default=[], help="code, répétable (opérateur)")
        parser.add_argument("--region", action="append", default=[], help="code INSEE de région (opérateur)")
        parser.add_argument("--structure", type=int, help="identifiant de la structure (membre de structure)")
        parser.add_argument("--source", action="append", default=[], help="source d'import confiée (opérateur)")
        parser.add_argument("--password", help="mot de passe (sinon le compte le choisira par invitation)")
        parser.add_argument("--print-token", action="store_true", help="dernière ligne : le jeton d'API du compte")

    def handle(self, *args, **opts):
        structure = None
        if opts["structure"] is not None:
            structure = Structure.objects.filter(pk=opts["structure"]).first()
            if structure is None:
                raise CommandError(f"structure inconnue : {opts['structure']}")
        try:
            user = save_account(opts["email"], role=opts["role"], departements=opts["departement"],
                                regions=opts["region"], structure=structure, sources=opts["source"],
                                password=opts["password"])
        except AccountError as e:
            raise CommandError(str(e)) from None
        scope = ", ".join([*(f"département {c}" for c in opts["departement"]),
                           *(f"région {c}" for c in opts["region"])]) or "—"
        self.stdout.write(f"compte {user.email} : rôle {opts['role']}, territoire {scope}"
                          + (f", structure {structure}" if structure else ""))
        if opts["print_token"]:
            self.stdout.write(api_token(user))
