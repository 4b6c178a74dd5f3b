"""Saint-Martin (978) and Saint-Barthélemy (977), collectivités d'outre-mer, are known places (issue
#11): loaded as région + département + commune without contour, their old Guadeloupe INSEE codes
(97127, 97123) resolve to today's ones, rows naming them import into them, a search there finds
them, and the département page, density and maps take them as they are."""

import pytest

from dispositifs.models import Dispositif, Lieu
from imports.services import import_file
from maps.stats import densite_departements
from territoires.models import Commune, Departement, Region
from tests.import_files import write_csv

pytestmark = pytest.mark.django_db

HEADER = ["Identifiant", "Intitulé", "Structure", "Thématique", "Adresse", "Code INSEE", "Code postal", "Commune",
          "Latitude", "Longitude"]
MARIGOT = ["SM-1", "Cours de FLE à Marigot", "Asso Saint-Martin Solidaire", "FLE", "1 rue de la République",
           "97127", "97150", "Marigot", "", ""]
SANDY_GROUND = ["SM-2", "Permanence France services", "Collectivité de Saint-Martin", "Accès aux droits",
                "90 Rue de Sandy-Ground", "97801", "97150", "Saint-Martin", "18.0580422993005", "-63.1008307167659"]
DESIRADE = ["GP-1", "Permanence", "France services La Desirade", "Accès aux droits", "Rue de la Poste", "",
            "97127", "La Désirade", "", ""]   # 97127: Saint-Martin's old INSEE code, La Désirade's postal code
GUSTAVIA = ["SB-1", "Atelier numérique", "Association de Gustavia", "Numérique", "", "", "97133", "Gustavia", "",
            ""]


@pytest.fixture
def imported(tmp_path):
    result = import_file(write_csv(tmp_path / "com.csv", [MARIGOT, SANDY_GROUND, GUSTAVIA, DESIRADE],
                                    header=HEADER), source="com")
    assert result.summary() == "created=4 updated=0 unchanged=0 rejected=0", [
        (p.line, p.reason) for p in result.report.problems]
    return result


def test_loaded_as_region_departement_and_commune():
    for code, nom, commune, postal in (("978", "Saint-Martin", "97801", "97150"),
                                       ("977", "Saint-Barthélemy", "97701", "97133")):
        assert Region.objects.get(code=code).nom == nom
        dep = Departement.objects.get(code=code)
        assert (dep.nom, dep.region_id, dep.contour) == (nom, code, None)
        com = Commune.objects.get(code=commune)
        assert (com.nom, com.departement_id, com.region_id, com.codes_postaux) == (nom, code, code, [postal])
        assert com.population > 10_000 and com.contour is None


def test_rows_naming_them_import_into_them(imported):
    lieux = dict(Lieu.objects.filter(dispositif__source="com").values_list("dispositif__external_id", "commune_id"))
    assert lieux == {"SM-1": "97801", "SM-2": "97801", "SB-1": "97701", "GP-1": "97110"}
    reasons = " | ".join(p.reason for p in imported.report.problems)
    assert "ancien code INSEE 97127" in reasons   # the old Guadeloupe code, said
    assert "« Gustavia » inconnue : Saint-Barthélemy, seule commune du code postal 97133" in reasons
    # A real point in Saint-Martin is kept: the commune has no contour, it is checked against its chef-lieu.
    sandy = Lieu.objects.get(dispositif__external_id="SM-2")
    assert (round(sandy.point.y, 5), round(sandy.point.x, 5)) == (18.05804, -63.10083)
    assert "point-hors-commune" not in {p.cause for p in imported.report.problems}


def test_a_point_far_from_the_island_is_replaced(tmp_path):
    far = [*SANDY_GROUND[:8], "18.0580422993005", "63.1008307167659"]   # lost minus sign: in the Indian Ocean
    result = import_file(write_csv(tmp_path / "far.csv", [far], header=HEADER), source="com")
    assert result.counts.created == 1
    lieu = Lieu.objects.get(dispositif__external_id="SM-2")
    assert (lieu.commune_id, round(lieu.point.x, 5)) == ("97801", -63.10083)
    assert "point-corrige" in {p.cause for p in result.report.problems}


def test_search_at_97801_finds_it(imported, client):
    body = client.get("/api/v1/recherche/", {"commune": "97801"}).json()
    assert body["lieu"]["commune"] == {"code": "97801", "nom": "Saint-Martin"}
    assert body["lieu"]["departement"] == {"code": "978", "nom": "Saint-Martin"}
    titles = [r["titre"] for r in body["results"]]
    assert "Cours de FLE à Marigot" in titles and "Permanence France services" in titles
    assert "Atelier numérique" not in titles[:2]   # Saint-Barthélemy is 25 km away: after the two of Saint-Martin
    by_postal = client.get("/api/v1/recherche/", {"code_postal": "97150"}).json()
    assert by_postal["lieu"]["commune"]["code"] == "97801"
    near = client.get("/api/v1/recherche/", {"lat": "18.06", "lon": "-63.09"}).json()   # a position on the island
    assert near["lieu"]["commune"]["code"] == "97801" and near["results"][0]["distance_m"] < 3000
    page = client.get("/recherche/", {"commune": "97801"})
    assert page.status_code == 200 and "Cours de FLE à Marigot" in page.content.decode()


def test_departement_page_density_and_maps_take_them(imported, client):
    page = client.get("/territoires/departements/978/")
    assert page.status_code == 200 and "Cours de FLE à Marigot" in page.content.decode()
    assert client.get("/territoires/departements/978/contour.geojson").status_code in (200, 404)
    rows = {r.code: r for r in densite_departements()}
    assert rows["978"].actions == 2 and rows["977"].actions == 1 and rows["978"].population == 31_160
    assert Dispositif.objects.filter(source="com", lieux__commune__departement="977").count() == 1


def test_maps_and_gap_report_of_a_territory_without_contour(imported, tmp_path):
    from maps.gaps import gap_geojson, gap_report
    from maps.render import render_maps

    result = render_maps(tmp_path, departements=["978"], tiles=False)
    assert (tmp_path / "departement-978.html").stat().st_size > 0, result.summary()
    assert "FLE \\u00e0 Marigot" in (tmp_path / "departement-978.html").read_text(encoding="utf-8")  # its lieux
    assert (tmp_path / "departement-978.png").stat().st_size > 0
    report = gap_report(theme="lecture-ecriture-calcul--maitriser-le-francais", km=10, departement="977")
    assert [c.code for c in report.communes] == ["97701"]   # no French class within 10 km of Gustavia
    assert gap_geojson(report)["features"][0]["geometry"]["type"] == "Point"   # its point, no contour
