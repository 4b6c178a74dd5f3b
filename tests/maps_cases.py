"""A small hand-built case for the maps tests, whose answers a reader can check by eye.

Bretagne (région 53) = départements 22, 29, 35, 56. Rennes is 35238, Lyon 69123.
- A  published, a lieu in Rennes, theme "maîtriser le français"    -> 35
- B  published, NATIONAL, a lieu in Rennes                          -> nowhere (national excluded)
- C  published, coverage région Bretagne                            -> 22, 29, 35, 56
- D  draft, a lieu in Rennes                                        -> nowhere (not published)
- E  published, coverage commune Lyon, theme santé                  -> 69
- F  published, coverage département 35 AND a lieu in Rennes        -> 35 once
"""

from dispositifs.models import Dispositif, Lieu, Structure
from territoires.models import Commune, Departement, Region

FLE = "lecture-ecriture-calcul--maitriser-le-francais"


def lieu(dispositif, commune_code, *, address="1 place de la Mairie", dx=0.0):
    commune = Commune.objects.get(code=commune_code)
    point = commune.centre.clone()
    point.x += dx
    return Lieu.objects.create(dispositif=dispositif, commune=commune, point=point, address=address,
                               postal_code=commune.codes_postaux[0] if commune.codes_postaux else "",
                               precision="adresse")


def build_small_case():
    structure = Structure.objects.create(name="Association Accueil Bretagne", kind="association",
                                         website="https://accueil-bretagne.example.org")
    made = {}

    def make(key, *, themes, status="publie", national=False, **fields):
        d = Dispositif.objects.create(title=f"Action {key}", summary=f"Résumé de l'action {key}",
                                      structure=structure, status=status, national=national,
                                      source="test", external_id=key, import_key=f"key-{key}",
                                      **fields)
        d.themes.set(themes)
        made[key] = d
        return d

    a = make("A", themes=[FLE], phone="02 99 00 00 01", email="a@accueil-bretagne.example.org",
             publics=["bpi"], free=True)
    lieu(a, "35238")
    b = make("B", themes=[FLE], national=True)
    lieu(b, "35238")
    c = make("C", themes=["sante"])
    c.regions.set([Region.objects.get(code="53")])
    d = make("D", themes=[FLE], status="brouillon")
    lieu(d, "35238")
    e = make("E", themes=["sante--acces-aux-soins"])
    e.communes.set([Commune.objects.get(code="69123")])
    f = make("F", themes=[FLE, "logement-hebergement"])
    f.departements.set([Departement.objects.get(code="35")])
    lieu(f, "35238", address="2 rue de la Gare", dx=0.01)
    return made

