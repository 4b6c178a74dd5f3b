"""A small hand-built map around Dijon for the search tests; every answer can be checked by eye.

The place is Chenôve (21166), 4 km south of Dijon (21231), in Côte-d'Or (21), région
Bourgogne-Franche-Comté (27). Distances from Chenôve's centre: Dijon ~4 km, Talant ~5 km,
Nuits-Saint-Georges ~17 km, Beaune ~34 km, Besançon ~77 km, Lyon ~170 km.
"""

from types import SimpleNamespace

from django.contrib.gis.geos import Point

from dispositifs.models import Dispositif, Lieu, Structure
from territoires.models import Commune

FRANCAIS = "lecture-ecriture-calcul--maitriser-le-francais"
CALCUL = "lecture-ecriture-calcul--maitriser-le-calcul"
FORMATION = "se-former--trouver-sa-formation"
EMPLOI = "trouver-un-emploi"


def dispositif(title, *, themes=(), lieux=(), national=False, communes=(), departements=(), regions=(),
               status="publie", structure=None, **fields):
    d = Dispositif.objects.create(title=title, national=national, status=status, structure=structure, **fields)
    d.themes.set(themes)
    d.communes.set(communes)
    d.departements.set(departements)
    d.regions.set(regions)
    for code, dx, dy in lieux:
        commune = Commune.objects.get(code=code)
        Lieu.objects.create(dispositif=d, commune=commune, name=f"{title} à {commune.nom}",
                            point=Point(commune.centre.x + dx, commune.centre.y + dy, srid=4326))
    return d


def build_map():
    asso = Structure.objects.create(name="Asso Côte-d'Or")
    m = SimpleNamespace(structure=asso)
    m.chenove = dispositif("Français à Chenôve", themes=[FRANCAIS], lieux=[("21166", 0.005, 0)], structure=asso,
                           languages=["ar", "fr"], free=True, modality="presentiel", age_min=16)
    m.dijon = dispositif("Atelier calcul Dijon", themes=[CALCUL], lieux=[("21231", 0, 0)], free=False,
                         modality="mixte", publics=["femmes"])
    m.nuits = dispositif("Formation Nuits", themes=[FORMATION], lieux=[("21464", 0, 0)], free=True,
                         french_level="B1")
    m.two_lieux = dispositif("Deux lieux", themes=[FRANCAIS], lieux=[("21617", 0, 0), ("21166", -0.003, 0.001)])
    m.beaune_dep = dispositif("Emploi Côte-d'Or", themes=[EMPLOI], lieux=[("21054", 0, 0)], departements=["21"])
    m.dep_no_lieu = dispositif("Accompagnement départemental", themes=[EMPLOI], departements=["21"])
    m.region = dispositif("Région BFC", themes=[FORMATION], lieux=[("25056", 0, 0)], regions=["27"])
    m.commune = dispositif("Mairie de Chenôve", themes=[FRANCAIS], communes=["21166"])
    m.national_b = dispositif("B national en ligne", themes=[FRANCAIS], national=True, modality="distance")
    m.national_a = dispositif("A national hotline", themes=[EMPLOI], national=True, modality="distance")
    m.lyon = dispositif("Lyon seulement", themes=[FRANCAIS], lieux=[("69123", 0, 0)])
    m.brouillon = dispositif("Brouillon à Chenôve", themes=[FRANCAIS], lieux=[("21166", 0, 0)], status="brouillon")
    m.ended = dispositif("Fini à Chenôve", themes=[FRANCAIS], lieux=[("21166", 0, 0)], end_date="2020-01-01",
                         start_date="2019-01-01")
    m.other_dep = dispositif("Jura", themes=[FRANCAIS], departements=["39"])
    return m
