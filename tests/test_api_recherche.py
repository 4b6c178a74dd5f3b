"""GET /api/v1/recherche/: the answer of docs/ARCHITECTURE.md ("The rules"), its 400s, pinned query counts."""

import pytest

from dispositifs import recherche

from .recherche_map import FRANCAIS, build_map

pytestmark = pytest.mark.django_db
URL = "/api/v1/recherche/"


@pytest.fixture
def m():
    return build_map()


def test_answer_shape_and_order(client, m):
    r = client.get(URL, {"commune": "21166", "page_size": 4})
    assert r.status_code == 200
    body = r.json()
    assert body["lieu"]["commune"] == {"code": "21166", "nom": "Chenôve"}
    assert body["lieu"]["departement"] == {"code": "21", "nom": "Côte-d'Or"}
    assert body["count"] == 10
    assert body["previous"] is None and "page=2" in body["next"]
    assert body["facettes"]["themes"][FRANCAIS] == 4
    first = body["results"][0]
    assert first["titre"] == "Deux lieux" and first["portee"] == "proximite"
    assert first["distance_m"] < 1000 and first["lieu_proche"]["commune"]["code"] == "21166"
    assert [t["slug"] for t in first["themes"]] == [FRANCAIS] and first["themes"][0]["label"]
    assert first["url"].endswith(f"/dispositifs/{m.two_lieux.pk}/")
    assert [x["portee"] for x in body["results"]] == ["proximite"] * 4

    last = client.get(URL, {"commune": "21166", "page_size": 4, "page": 3}).json()
    assert [x["titre"] for x in last["results"]] == ["A national hotline", "B national en ligne"]
    assert last["next"] is None and "page=2" in last["previous"]
    assert last["results"][0]["structure"] is None and last["results"][0]["lieu_proche"] is None


def test_filters_through_http(client, m):
    r = client.get(URL + f"?lat=47.2926&lon=5.0048&theme={FRANCAIS}&theme=se-former&national=false&rayon_km=10")
    assert r.status_code == 200
    assert [x["titre"] for x in r.json()["results"]] == [
        "Deux lieux", "Français à Chenôve", "Mairie de Chenôve", "Région BFC"]
    r = client.get(URL, {"code_postal": "21300", "langue": "ar", "gratuit": "true"})
    assert [x["titre"] for x in r.json()["results"]] == ["Français à Chenôve"]
    r = client.get(URL, {"adresse": "2 rue des Écoles 21300 Chenôve", "modalite": "distance", "national": "0"})
    assert [x["titre"] for x in r.json()["results"]] == ["Atelier calcul Dijon"]


@pytest.mark.parametrize("params, words", [
    ({}, "Indiquez un lieu"),
    ({"commune": "21166", "lat": "47.3", "lon": "5.0"}, "un seul lieu"),
    ({"lat": "47.3"}, "lat et lon"),
    ({"lat": "quarante", "lon": "5"}, "nombre"),
    ({"lat": "47.3", "lon": "500"}, "entre"),
    ({"code_postal": "abcde"}, "Code postal invalide"),
    ({"commune": "21166", "theme": "cuisine-du-monde"}, "Thème inconnu"),
    ({"commune": "21166", "rayon_km": "0"}, "rayon_km"),
    ({"commune": "21166", "rayon_km": "-5"}, "rayon_km"),
    ({"commune": "21166", "rayon_km": "1000"}, "au plus 200"),
    ({"commune": "21166", "rayon_km": "inf"}, "rayon_km"),
    ({"commune": "21166", "age": "-1"}, "age"),
    ({"commune": "21166", "page": "0"}, "page"),
    ({"commune": "21166", "page_size": "1000"}, "page_size"),
    ({"commune": "21166", "page_size": "x"}, "page_size"),
    ({"commune": "21166", "national": "peut-être"}, "national"),
    ({"commune": "21166", "public": "martiens"}, "Valeurs possibles"),
    ({"commune": "21166", "niveau_francais": "Z9"}, "Valeurs possibles"),
])
def test_400s_are_json_with_a_detail(client, params, words):
    r = client.get(URL, params)
    assert r.status_code == 400, r.content
    assert r["Content-Type"] == "application/json"
    assert words in r.json()["detail"]


def test_unknown_theme_lists_known_ones(client):
    detail = client.get(URL, {"commune": "21166", "theme": "cuisine"}).json()["detail"]
    assert "se-former" in detail and "sante" in detail


def test_page_beyond_the_end_is_empty_not_an_error(client, m):
    body = client.get(URL, {"commune": "21166", "page": "50"}).json()
    assert body["results"] == [] and body["count"] == 10 and body["next"] is None


def test_timeout_is_a_503(client, m, monkeypatch):
    monkeypatch.setattr(recherche, "STATEMENT_TIMEOUT_MS", 50)
    slow = "SELECT NULL::text, 0::bigint, '{}'::text, '[]'::text, '{}'::bigint[], 0::bigint FROM pg_sleep(0.5)"
    monkeypatch.setattr("dispositifs.recherche_sql.build_local", lambda *args, **kwargs: (slow, {}))
    r = client.get(URL, {"commune": "21166"})
    assert r.status_code == 503
    assert "trop de temps" in r.json()["detail"]


def test_number_of_queries_is_pinned(client, m, django_assert_num_queries):
    params = {"commune": "21166", "theme": "lecture-ecriture-calcul", "page_size": 100}
    client.get(URL, params)   # warm: spatial_ref_sys, the vocabulary and this national slice in the cache
    # SAVEPOINT, SET LOCAL, statement, RELEASE: the statement reads the commune and writes the page's
    # results, national ones included (outside a test's transaction: one round trip); the vocabulary and
    # the national slice already read by this process
    with django_assert_num_queries(4):
        r = client.get(URL, params)
    assert r.status_code == 200 and r.json()["count"] == 5
    assert r.json()["results"][-1]["portee"] == "national"
    with django_assert_num_queries(4):   # another place, the same national slice
        r = client.get(URL, {**params, "commune": "21231"})
    assert r.status_code == 200 and r.json()["count"] == 4   # Dijon: the Chenôve-only one is gone
    with django_assert_num_queries(4):    # the page holds no national result
        r = client.get(URL, {**params, "commune": "21231", "page_size": 2})
    assert r.status_code == 200 and len(r.json()["results"]) == 2


def test_national_slice_cache_is_dropped_on_write(client, m):
    from .recherche_map import dispositif

    assert client.get(URL, {"commune": "21166"}).json()["count"] == 10
    dispositif("C national nouveau", national=True)
    body = client.get(URL, {"commune": "21166", "page_size": 100}).json()
    assert body["count"] == 11 and body["results"][-1]["titre"] == "C national nouveau"


ODD_VALUES = ["", " ", "\x00", "%", "'; DROP TABLE x; --", "1e309", "nan", "-0", "9" * 40, "é" * 500,
              "<script>", "1,5", "true", "[]", "{}", "21166\x00"]
PARAMS = ["lat", "lon", "commune", "code_postal", "adresse", "theme", "public", "langue", "age", "gratuit",
          "modalite", "niveau_francais", "rayon_km", "national", "page", "page_size"]


@pytest.mark.parametrize("name", PARAMS)
def test_odd_values_never_a_500(client, name):
    for value in ODD_VALUES:
        base = {} if name in {"lat", "lon", "commune", "code_postal", "adresse"} else {"commune": "21166"}
        if name == "lat":
            base["lon"] = "5.0"
        if name == "lon":
            base["lat"] = "47.3"
        r = client.get(URL, {**base, name: value})
        assert r.status_code in {200, 400, 404}, (name, value, r.status_code)
        assert r.json()["detail"] if r.status_code in {400, 404} else "results" in r.json()


@pytest.mark.parametrize("params, words", [
    ({"adresse": "???"}, "Adresse introuvable"),
    ({"commune": "99999"}, "Aucune commune"),
    ({"code_postal": "00000"}, "Aucune commune"),
    ({"lat": "0", "lon": "0"}, "Aucune commune française"),
    ({"lat": "51.5", "lon": "-0.12"}, "Aucune commune"),  # London
])
def test_a_place_naming_nothing_is_a_404_with_a_detail(client, params, words):
    """Well-formed but naming nothing in France: not found (404), said in French, never a guess."""
    r = client.get(URL, params)
    assert r.status_code == 404, r.content
    assert r["Content-Type"] == "application/json" and words in r.json()["detail"]
