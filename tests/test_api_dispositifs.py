"""GET /api/v1/dispositifs/ and /{id}/: filters, département/région relevance, GeoJSON."""

import pytest

from .recherche_map import FRANCAIS, build_map

pytestmark = pytest.mark.django_db
URL = "/api/v1/dispositifs/"


@pytest.fixture
def m():
    return build_map()


def titles(body):
    return [x["titre"] for x in body["results"]]


def test_list_published_current_by_title(client, m):
    body = client.get(URL).json()
    assert body["count"] == 12          # 14 built, minus the draft and the ended one
    assert titles(body)[:3] == ["A national hotline", "Accompagnement départemental", "Atelier calcul Dijon"]
    assert "Brouillon à Chenôve" not in titles(body) and "Fini à Chenôve" not in titles(body)


def test_filters(client, m):
    assert titles(client.get(URL, {"theme": FRANCAIS, "national": "false", "page_size": 50}).json()) == [
        "Deux lieux", "Français à Chenôve", "Jura", "Lyon seulement", "Mairie de Chenôve"]
    assert titles(client.get(URL, {"national": "true"}).json()) == ["A national hotline", "B national en ligne"]
    assert titles(client.get(URL, {"structure": m.structure.pk}).json()) == ["Français à Chenôve"]
    got = titles(client.get(URL, {"departement": "21", "page_size": 50}).json())
    assert got == ["Accompagnement départemental", "Atelier calcul Dijon", "Deux lieux", "Emploi Côte-d'Or",
                   "Formation Nuits", "Français à Chenôve", "Mairie de Chenôve", "Région BFC"]
    got = titles(client.get(URL, {"region": "84", "page_size": 50}).json())   # Auvergne-Rhône-Alpes
    assert got == ["Lyon seulement"]
    assert "Jura" in titles(client.get(URL, {"region": "27", "page_size": 50}).json())


@pytest.mark.parametrize("params, words", [
    ({"departement": "99"}, "Département inconnu"),
    ({"departement": "abc"}, "departement"),
    ({"region": "00"}, "Région inconnue"),
    ({"theme": "nope"}, "Thème inconnu"),
    ({"age": "vieux"}, "entier"),
])
def test_400s(client, params, words):
    r = client.get(URL, params)
    assert r.status_code == 400 and words in r.json()["detail"]


def test_list_geojson(client, m):
    r = client.get(URL, {"departement": "21", "format": "geojson"})
    assert r.status_code == 200 and r["Content-Type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["count"] == 8
    lieux = {f["properties"]["nom"] for f in body["features"]}
    assert "Deux lieux à Talant" in lieux and "Deux lieux à Chenôve" in lieux
    feature = next(f for f in body["features"] if f["properties"]["nom"] == "Formation Nuits à Nuits-Saint-Georges")
    lon, lat = feature["geometry"]["coordinates"]
    assert feature["geometry"]["type"] == "Point" and 4.9 < lon < 5.0 and 47.1 < lat < 47.2
    assert feature["properties"]["dispositif"]["id"] == m.nuits.pk


def test_detail(client, m):
    body = client.get(f"{URL}{m.beaune_dep.pk}/").json()
    assert body["titre"] == "Emploi Côte-d'Or"
    assert body["couverture"] == {"national": False, "regions": [], "departements": ["21"], "communes": [],
                                  "epci": []}
    assert body["lieux"][0]["commune"]["code"] == "21054"
    geo = client.get(f"{URL}{m.two_lieux.pk}/", {"format": "geojson"}).json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2


def test_detail_404_for_drafts_and_unknown(client, m):
    assert client.get(f"{URL}{m.brouillon.pk}/").status_code == 404
    r = client.get(f"{URL}999999/")
    assert r.status_code == 404 and "detail" in r.json()


@pytest.mark.parametrize("name", ["departement", "region", "structure", "theme", "national", "page", "page_size",
                                  "age", "format"])
def test_odd_values_never_a_500(client, name):
    for value in ["\x00", "%", "9" * 30, "-1", "nan", "2A", "xml"]:
        r = client.get(URL, {name: value})
        assert r.status_code in {200, 400, 404}, (name, value, r.status_code)
