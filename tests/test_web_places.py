"""Places are never guessed (issue #14): a name several communes carry, or a typo, gives a choice on the
web page and a 400 with `candidats` in the API; a unique match goes straight to the results."""

import re

import pytest

from tests.browser.sample import build_sample

pytestmark = pytest.mark.django_db


def candidate_links(page: str) -> list[str]:
    section = re.search(r'<section class="web-candidats.*?</section>', page, re.S)
    return re.findall(r'href="\?[^"]*commune=(\w+)', section.group(0)) if section else []


def test_homonyms_are_listed_on_the_page_with_their_departement(client):
    response = client.get("/recherche/", {"lieu": "Saint-Denis"})
    page = response.content.decode()
    assert response.status_code == 200
    codes = candidate_links(page)
    assert {"93066", "97411"} <= set(codes)
    assert "Seine-Saint-Denis" in page and "93200" in page and "La Réunion" in page
    assert "web-card" not in page  # no results for a guessed Saint-Denis


def test_a_candidate_link_searches_that_commune(client):
    build_sample()
    page = client.get("/recherche/", {"lieu": "Saint-Denis"}).content.decode()
    href = re.search(r'href="(\?[^"]*commune=93066[^"]*)"', page).group(1).replace("&amp;", "&")
    page = client.get("/recherche/" + href).content.decode()
    assert "Les actions près de Saint-Denis (93)" in page


def test_a_typo_offers_close_names(client):
    page = client.get("/recherche/", {"lieu": "chenov"}).content.decode()
    assert candidate_links(page)[0] == "21166"
    assert "appelle « chenov »" in page


def test_unique_name_department_or_postal_code_go_straight_to_results(client):
    build_sample()
    for lieu in ("Chenôve", "Saint-Denis (93)", "Saint-Denis 93200", "93200", "21300"):
        page = client.get("/recherche/", {"lieu": lieu}).content.decode()
        assert "web-candidats" not in page, lieu
        assert "Les actions près de" in page, lieu


def test_api_ambiguous_commune_is_a_400_with_candidats(client):
    response = client.get("/api/v1/recherche/", {"commune": "Saint-Denis"})
    assert response.status_code == 400
    body = response.json()
    assert body["parametre"] == "commune"
    assert "Plusieurs communes s'appellent « Saint-Denis »" in body["detail"]
    by_code = {c["code"]: c for c in body["candidats"]}
    assert by_code["93066"] == {"code": "93066", "nom": "Saint-Denis", "code_postal": "93200",
                                "departement": {"code": "93", "nom": "Seine-Saint-Denis"}}
    assert by_code["97411"]["departement"]["code"] == "974"


def test_api_address_with_homonym_and_no_postal_code_is_not_guessed(client):
    response = client.get("/api/v1/recherche/", {"adresse": "2 rue de la République Saint-Denis"})
    assert response.status_code == 400 and len(response.json()["candidats"]) >= 2
    response = client.get("/api/v1/recherche/", {"adresse": "2 rue de la République 93200 Saint-Denis"})
    assert response.status_code == 200 and response.json()["lieu"]["commune"]["code"] == "93066"


def test_api_unique_name_and_insee_code_still_work(client):
    assert client.get("/api/v1/recherche/", {"commune": "Chenôve"}).json()["lieu"]["commune"]["code"] == "21166"
    assert client.get("/api/v1/recherche/", {"commune": "97411"}).json()["lieu"]["commune"]["code"] == "97411"


def test_api_typo_is_a_404_with_close_spellings_as_candidats(client):
    """No commune has that exact name: not found (404), never guessed, the close spellings offered."""
    response = client.get("/api/v1/recherche/", {"commune": "Chenov"})
    assert response.status_code == 404
    body = response.json()
    assert body["parametre"] == "commune" and "exactement" in body["detail"]
    assert "21166" in {c["code"] for c in body["candidats"]}
