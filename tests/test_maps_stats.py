"""Density counts on the small hand-built case (tests/maps_cases.py) and the density API."""

import pytest

from maps.stats import densite_communes, densite_departements

from .maps_cases import build_small_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return build_small_case()


def by_code(rows):
    return {r.code: r for r in rows}


def test_departement_counts_local_vs_national_and_region_coverage(case):
    rows = by_code(densite_departements())
    assert len(rows) == 101 + 2   # with Saint-Barthélemy and Saint-Martin
    # A (lieu), C (région Bretagne), F (département + lieu, counted once); B national, D draft excluded.
    assert rows["35"].actions == 3
    # Coverage by région counts in each of its départements.
    for code in ("22", "29", "56"):
        assert rows[code].actions == 1, code
    assert rows["69"].actions == 1  # coverage by commune counts in the commune's département
    assert rows["75"].actions == 0
    assert rows["44"].actions == 0  # Loire-Atlantique is not in Bretagne
    assert sum(r.actions for r in rows.values()) == 3 + 3 + 1


def test_per_100k_and_themes_roll_up_to_parent(case):
    rennes = by_code(densite_departements())["35"]
    assert rennes.pour_100000 == round(3 * 100_000 / rennes.population, 2)
    # A and F have the sub-theme "maîtriser le français": they count for its category.
    assert rennes.themes == {"lecture-ecriture-calcul": 2, "sante": 1, "logement-hebergement": 1}
    assert by_code(densite_departements())["69"].themes == {"sante": 1}


def test_theme_filter_counts_parent_and_children(case):
    rows = by_code(densite_departements(theme="lecture-ecriture-calcul"))
    assert rows["35"].actions == 2
    assert rows["22"].actions == 0
    assert by_code(densite_departements(theme="sante"))["22"].actions == 1


def test_commune_counts_inside_a_departement(case):
    result = densite_communes("35")
    assert result.couverture_actions == 2  # C (région) and F (département)
    communes = {c.code: c for c in result.communes}
    rennes = communes["35238"]
    assert rennes.sur_place == 2  # A and F have a lieu there
    assert rennes.actions == 3  # A, F, and C through the région; F not counted twice
    assert rennes.lieux == 2
    assert rennes.themes == {"lecture-ecriture-calcul": 2, "logement-hebergement": 1}
    saint_malo = communes["35288"]
    assert (saint_malo.sur_place, saint_malo.actions, saint_malo.lieux) == (0, 2, 0)
    assert densite_communes("69").communes and {c.code: c for c in densite_communes("69").communes}[
        "69123"].sur_place == 1


def test_unknown_departement_is_none():
    assert densite_communes("999") is None


def test_api_densite_departements_shape(case, client):
    response = client.get("/api/v1/densite/departements/")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 101 + 2 and "attribution" in data and data["date"]
    ille = next(r for r in data["results"] if r["code"] == "35")
    assert ille["actions"] == 3
    assert ille["region"] == {"code": "53", "nom": "Bretagne"}
    assert set(ille) >= {"code", "nom", "population", "actions", "pour_100000", "themes"}
    assert ille["themes"]["lecture-ecriture-calcul"] == 2


def test_api_densite_theme_filter_and_unknown_theme(case, client):
    data = client.get("/api/v1/densite/departements/?theme=sante").json()
    assert next(r for r in data["results"] if r["code"] == "22")["actions"] == 1
    bad = client.get("/api/v1/densite/departements/?theme=cuisine")
    assert bad.status_code == 400
    assert "thème inconnu" in bad.json()["detail"]


def test_api_densite_communes(case, client):
    response = client.get("/api/v1/departements/35/densite/")
    assert response.status_code == 200
    data = response.json()
    assert data["departement"]["code"] == "35"
    assert data["couverture"]["actions"] == 2
    rennes = next(r for r in data["results"] if r["code"] == "35238")
    assert (rennes["actions"], rennes["sur_place"]) == (3, 2)
    assert data["count"] == len(data["results"]) > 300


def test_api_unknown_departement_is_404_json(client):
    response = client.get("/api/v1/departements/999/densite/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "département inconnu" in response.json()["detail"]


def test_departement_is_read_off_the_insee_code_of_every_commune():
    """maps.stats reads a commune's département off its INSEE code (no join): true of the whole COG."""
    from django.db import connection

    from maps.stats import _DEP_OF

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM territoires_commune WHERE departement_id <> {_DEP_OF('code')}")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM territoires_commune")
        assert cursor.fetchone()[0] > 34_000
