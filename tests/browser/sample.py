"""A few actions around Dijon for the web tests, with the contact details a detail page shows.

The person is in Chenôve (21166), 4 km south of Dijon (21231), Côte-d'Or (21).
"""

from types import SimpleNamespace

from django.contrib.gis.geos import Point

from dispositifs.models import Dispositif, Lieu, Structure
from territoires.models import Commune

FRANCAIS = "lecture-ecriture-calcul--maitriser-le-francais"
EMPLOI = "trouver-un-emploi"
SANTE = "sante"
LOGEMENT = "logement-hebergement"


def _dispositif(title, *, themes=(), lieux=(), departements=(), **fields):
    fields.setdefault("status", "publie")
    d = Dispositif.objects.create(title=title, **fields)
    d.themes.set(themes)
    d.departements.set(departements)
    for code, dx, dy, address in lieux:
        commune = Commune.objects.get(code=code)
        Lieu.objects.create(dispositif=d, commune=commune, name=f"{title} — {commune.nom}", address=address,
                            postal_code=commune.codes_postaux[0], precision="adresse",
                            point=Point(commune.centre.x + dx, commune.centre.y + dy, srid=4326),
                            opening_hours="Lundi et jeudi, 9 h – 12 h")
    return d


def build_sample():
    asso = Structure.objects.create(name="Accueil Réfugiés Côte-d'Or", phone="03 80 00 00 00")
    s = SimpleNamespace(structure=asso)
    s.francais = _dispositif(
        "Cours de français pour adultes", themes=[FRANCAIS], structure=asso,
        lieux=[("21166", 0.004, 0.0, "12 rue de la Paix")], summary="Cours du niveau A1 au niveau B1, en petit groupe.",
        description="Deux matinées par semaine.\nGarde d'enfants possible.", publics=["bpi", "femmes"],
        french_level="alpha", languages=["fr", "ar", "ps"], free=True, phone="03 80 12 34 56",
        email="contact@accueil-refugies.example", website="https://accueil-refugies.example/francais",
        registration="Venir sur place le lundi matin avec un titre de séjour.", modality="presentiel")
    s.emploi = _dispositif(
        "Atelier recherche d'emploi", themes=[EMPLOI], structure=asso,
        lieux=[("21231", 0.0, 0.0, "1 place de la République")], free=True, modality="mixte")
    s.sante = _dispositif("Permanence d'accès aux soins", themes=[SANTE], departements=["21"], free=True)
    s.national = _dispositif("Apprendre le français en ligne", themes=[FRANCAIS], national=True,
                             modality="distance", free=True)
    s.paris = _dispositif("Hébergement à Paris", themes=[LOGEMENT], lieux=[("75056", 0.0, 0.0, "")])
    s.brouillon = _dispositif("Brouillon à Chenôve", themes=[FRANCAIS], status="brouillon",
                              lieux=[("21166", 0.0, 0.0, "")])
    return s
