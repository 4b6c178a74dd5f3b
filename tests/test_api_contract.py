"""The API says what it does (issue #10, item 6): every endpoint and format in /api/schema/, pagination
as the schema says, French JSON errors everywhere under /api/ (404, 405, over-long queries, 414).

Before: `/api/v1/couverture/` and `/api/v1/exports/` were missing from the schema, the catalogue
answered `page=0` with 404 and `page_size=-1` with 200, `/api/v1/dispositifs/0/` answered in English
and a 5 KB query string got gunicorn's HTML 414."""

import json

import pytest

from .live import Gunicorn, free_port, get

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_unknown_dispositif_is_a_french_404_even_for_an_english_browser(client):
    body = json_error(client.get("/api/v1/dispositifs/0/", **ENGLISH), 404)
    assert body["detail"].startswith("Aucune ressource")


def test_wrong_method_is_a_french_405_with_allow(client):
    response = client.post("/api/v1/recherche/?commune=21166", **ENGLISH)
    body = json_error(response, 405)
    assert "Méthode POST non autorisée" in body["detail"] and "GET" in response["Allow"]
    plain_view = client.delete("/api/v1/couverture/?theme=sante")  # a plain Django view (require_GET)
    body = json_error(plain_view, 405)
    assert "Méthode DELETE non autorisée" in body["detail"] and plain_view["Allow"] == "GET"


@pytest.mark.parametrize("query, param", [("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"),
                                          ("page_size=0", "page_size"), ("page_size=-1", "page_size"),
                                          ("page_size=101", "page_size")])
def test_catalogue_pagination_outside_the_schema_is_a_400(client, query, param):
    body = json_error(client.get(f"/api/v1/dispositifs/?{query}", **ENGLISH), 400)
    assert body["parametre"] == param


def test_catalogue_page_past_the_last_is_a_french_404(client):
    body = json_error(client.get("/api/v1/dispositifs/?page=999", **ENGLISH), 404)
    assert body["detail"].startswith("Page 999 inexistante")


def test_unknown_format_is_a_400_not_a_404(client):
    for url in ("/api/v1/dispositifs/?format=xml", "/api/v1/dispositifs/1/?format=xml"):
        body = json_error(client.get(url), 400)
        assert body["parametre"] == "format" and "geojson" in body["detail"]


def test_overlong_query_string_is_a_400(client, settings):
    long = "x" * (settings.MAX_QUERY_STRING + 1)
    body = json_error(client.get(f"/api/v1/recherche/?commune={long}"), 400)
    assert "Requête trop longue" in body["detail"]
    page = client.get(f"/recherche/?commune={long}")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    assert "Requête invalide" in page.content.decode()


def test_schema_lists_every_endpoint_format_and_answer(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in ("/api/v1/recherche/", "/api/v1/dispositifs/", "/api/v1/dispositifs/{id}/", "/api/v1/couverture/",
                 "/api/v1/exports/", "/api/v1/exports/{fmt}/", "/api/v1/densite/departements/",
                 "/api/v1/departements/{code}/densite/", "/api/v1/territoires/communes/",
                 "/api/v1/territoires/departements/"):
        assert "get" in paths[path], path
    catalogue = paths["/api/v1/dispositifs/"]["get"]
    assert catalogue["responses"]["200"]["content"]["application/geo+json"]["schema"]["properties"]["type"][
        "enum"] == ["FeatureCollection"]
    params = {p["name"]: p["schema"] for p in catalogue["parameters"]}
    assert params["page"]["minimum"] == 1 and params["page_size"] == {**params["page_size"], "minimum": 1,
                                                                      "maximum": 100}
    assert params["format"]["enum"] == ["geojson", "json"]
    couverture = paths["/api/v1/couverture/"]["get"]
    assert set(couverture["responses"]["200"]["content"]) == {"application/json", "text/csv", "application/geo+json"}
    assert {"202", "400", "404", "429", "503"} <= set(couverture["responses"])
    exports = paths["/api/v1/exports/{fmt}/"]["get"]
    territoire = next(p for p in exports["parameters"] if p["name"] == "territoire")
    assert (territoire["style"], territoire["explode"]) == ("form", True)  # ?departement=35 | region=53 | all=1
    assert set(territoire["schema"]["properties"]) == {"departement", "region", "all"}
    assert territoire["schema"]["minProperties"] == territoire["schema"]["maxProperties"] == 1
    assert "/api/schema/" not in paths


# --- through gunicorn: its request-line limit and its own 414 ---

@pytest.fixture(scope="module")
def server():
    server = Gunicorn(free_port(), {})
    yield server.wait_ready()
    server.stop()


def test_gunicorn_five_kilobyte_query_is_a_french_json_400(server):
    answer = get(server.url + "/api/v1/recherche/?commune=" + "x" * 5000)
    assert answer.status == 400 and answer.headers["Content-Type"].startswith("application/json")
    assert "Requête trop longue" in json.loads(answer.text)["detail"]


def test_gunicorn_request_line_over_its_limit_is_a_french_json_414(server):
    answer = get(server.url + "/api/v1/recherche/?commune=" + "x" * 9000)
    assert answer.status == 414 and answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.text)["detail"].startswith("Adresse trop longue")
