"""GET /api/v1/territoires/communes/?q= (autocomplete) and /territoires/departements/ (outlines)."""

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/territoires/communes/"


def codes(q, **params):
    r = __import__("django.test", fromlist=["Client"]).Client().get(URL, {"q": q, **params})
    assert r.status_code == 200, r.content
    return [c["code"] for c in r.json()["results"]]


@pytest.mark.parametrize("q, first", [
    ("saint etienne", "42218"), ("Saint-Étienne", "42218"), ("ST ETIENNE", "42218"), ("st-étienne", "42218"),
    ("21000", "21231"), ("21300", "21166"), ("dijon", "21231"), ("Dij", "21231"), ("di", "21231"),
    ("chenove", "21166"), ("Chenô", "21166"), ("lyo", "69123"), ("marseille", "13055"), ("paris", "75056"),
    ("l'hay les roses", "94038"), ("69123", "69123"),
])
def test_ranking(q, first):
    assert codes(q)[0] == first


def test_prefix_typing_narrows_to_the_big_city():
    for typed in ("b", "bo", "bor", "bord", "borde", "bordea", "bordeaux"):
        assert codes(typed)[0] == "33063", typed


def test_answer_fields_and_limit(client):
    r = client.get(URL, {"q": "21000", "limit": 3})
    c = r.json()["results"][0]
    assert c == {"code": "21231", "nom": "Dijon", "departement": {"code": "21", "nom": "Côte-d'Or"},
                 "codes_postaux": c["codes_postaux"], "population": c["population"], "lat": c["lat"], "lon": c["lon"]}
    assert "21000" in c["codes_postaux"] and c["population"] > 100_000 and 47 < c["lat"] < 48
    assert len(client.get(URL, {"q": "saint", "limit": 5}).json()["results"]) == 5


@pytest.mark.parametrize("params", [{}, {"q": " "}, {"q": "-"}])
def test_nothing_typed_suggests_nothing(client, params):
    """An autocomplete field left empty is not a mistake: no suggestion, no error (the schema allows it)."""
    r = client.get(URL, params)
    assert r.status_code == 200 and r.json() == {"results": []}


@pytest.mark.parametrize("params", [{"q": "x" * 200}, {"q": "dijon", "limit": "0"},
                                    {"q": "dijon", "limit": "abc"}, {"q": "dijon", "limit": "500"}])
def test_400s(client, params):
    r = client.get(URL, params)
    assert r.status_code == 400 and r.json()["detail"]


def test_nothing_found_is_an_empty_list(client):
    assert client.get(URL, {"q": "zzzzqqq"}).json() == {"results": []}


def test_departement_outlines(client):
    r = client.get("/api/v1/territoires/departements/")
    assert r.status_code == 200 and r["Content-Type"] == "application/geo+json"
    assert len(r.content) < 1_500_000
    body = r.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 101
    cote_dor = next(f for f in body["features"] if f["properties"]["code"] == "21")
    assert cote_dor["properties"]["nom"] == "Côte-d'Or" and cote_dor["properties"]["region"] == "27"
    assert cote_dor["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert "max-age=86400" in r["Cache-Control"]


@pytest.mark.parametrize("q", ["\x00", "%", "'; --", "é" * 99, "2A", "2a0", "97", "  -  ", "0", "saint-"])
def test_odd_queries_never_a_500(client, q):
    r = client.get(URL, {"q": q})
    assert r.status_code in {200, 400} and isinstance(r.json(), dict)
