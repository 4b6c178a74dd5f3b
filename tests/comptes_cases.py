"""Accounts and dispositifs for the permission tests: an operator for Côte-d'Or (21), a member of
a Dijon structure, the national team; a fiche inside 21, one outside (Rennes, 35), a national offer."""

from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import Point

from comptes.services import api_token, save_account
from dispositifs.models import Dispositif, Lieu, Structure
from territoires.models import Commune

FRANCAIS = "lecture-ecriture-calcul--maitriser-le-francais"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """PBKDF2's 1,000,000 rounds per account would dominate these tests; the hasher is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def dispositif(title, *, structure=None, commune=None, national=False, status="publie", departements=()):
    d = Dispositif.objects.create(title=title, structure=structure, national=national, status=status)
    d.themes.set([FRANCAIS])
    d.departements.set(departements)
    if commune:
        c = Commune.objects.get(code=commune)
        Lieu.objects.create(dispositif=d, commune=c, name="Salle", postal_code=c.codes_postaux[0],
                            point=Point(c.centre.x, c.centre.y, srid=4326))
    return d


def build_cases():
    dijon = Structure.objects.create(name="Accueil Dijon", commune_id="21231")
    rennes = Structure.objects.create(name="Accueil Rennes", commune_id="35238")
    c = SimpleNamespace(dijon=dijon, rennes=rennes)
    c.national_user = save_account("nationale@example.org", role="national", password=PASSWORD)
    c.operateur = save_account("operateur21@example.org", role="operateur", departements=["21"],
                               sources=["ddets-21"], password=PASSWORD)
    c.structure = save_account("membre@example.org", role="structure", structure=dijon, password=PASSWORD)
    c.inside = dispositif("Cours à Dijon", structure=dijon, commune="21231")
    c.outside = dispositif("Cours à Rennes", structure=rennes, commune="35238")
    c.nationale = dispositif("Français en ligne", structure=dijon, national=True)
    c.tokens = {u.email: api_token(u) for u in (c.national_user, c.operateur, c.structure)}
    return c


def payload(title="Nouveau cours", *, commune="21231", national=False, structure=None):
    data = {"titre": title, "themes": [FRANCAIS], "couverture": {"national": national},
            "lieux": [] if national else [{"nom": "Salle", "commune": commune}]}
    if structure is not None:
        data["structure"] = {"id": structure.pk}
    return data
