"""`lang` on the read API (issue #14): the search, the catalogue and the fiche give the content in the
language asked (reviewed translation, else machine draft, else French), say which field by field, translate
theme labels, honour an anonymous client's Accept-Language, refuse an unknown language in French, and are
described in the OpenAPI schema. Data is never code: `{{ 7*7 }}` comes back as written."""

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from annuaire.web.themes import CATEGORY_LABELS
from tests.browser.sample import FRANCAIS, build_sample
from traductions import services
from traductions.models import Statut, Traduction, source_hash

pytestmark = pytest.mark.django_db
TITLE_AR = "دروس الفرنسية {{ 7*7 }}"
SUMMARY_AR = "«مسودة» {% now 'Y' %}"


@pytest.fixture
def s():
    s = build_sample()
    s.francais.title = "Cours de français {{ 7*7 }}"
    s.francais.save()
    reviewer = User.objects.create_user("traductrice")
    services.review(s.francais, langue="ar", textes={"title": TITLE_AR}, user=reviewer)
    Traduction.objects.create(dispositif=s.francais, langue="ar", champ="summary", texte=SUMMARY_AR,
                              statut=Statut.MACHINE, source=s.francais.summary,
                              source_hash=source_hash(s.francais.summary))
    # made from a French that has changed since: not shown (French instead)
    Traduction.objects.create(dispositif=s.francais, langue="ar", champ="description", texte="قديم",
                              statut=Statut.RELU, source="Ancien texte", source_hash=source_hash("Ancien texte"))
    return s


def arabic_label(slug):
    with translation.override("ar"):
        return str(CATEGORY_LABELS[slug])


def test_fiche_in_arabic_field_by_field(client, s):
    body = client.get(f"/api/v1/dispositifs/{s.francais.pk}/", {"lang": "ar"}).json()
    assert body["titre"] == TITLE_AR and body["resume"] == SUMMARY_AR   # as written: no template ran
    assert body["description"] == s.francais.description
    assert body["langue"] == "ar"
    assert body["traduction"] == {"titre": "relue", "resume": "brouillon", "description": "originale",
                                  "inscription": "originale", "tarif": "originale"}
    label = body["themes"][0]["label"]
    assert label == arabic_label(FRANCAIS) and label != "Apprendre le français"
    french = client.get(f"/api/v1/dispositifs/{s.francais.pk}/").json()
    assert french["titre"] == "Cours de français {{ 7*7 }}" and "traduction" not in french
    assert french["themes"][0]["label"] == "Maîtriser le français"  # the vocabulary's own French label


def test_search_and_catalogue_in_arabic(client, s):
    r = client.get("/api/v1/recherche/", {"commune": "21166", "lang": "ar"})
    assert r.status_code == 200 and r["Content-Language"] == "ar"
    body = r.json()
    assert body["langue"] == "ar"
    by_id = {x["id"]: x for x in body["results"]}
    mine = by_id[s.francais.pk]
    assert mine["titre"] == TITLE_AR and mine["traduction"] == {"titre": "relue", "resume": "brouillon"}
    other = by_id[s.emploi.pk]
    assert other["titre"] == "Atelier recherche d'emploi" and other["traduction"]["titre"] == "originale"
    assert other["themes"][0]["label"] == arabic_label("trouver-un-emploi")
    catalogue = client.get("/api/v1/dispositifs/", {"lang": "ar"}).json()["results"]
    assert {x["id"]: x["titre"] for x in catalogue}[s.francais.pk] == TITLE_AR
    assert all(x["langue"] == "ar" for x in catalogue)


def test_accept_language_for_anonymous_clients_only(client, s):
    url = f"/api/v1/dispositifs/{s.francais.pk}/"
    r = client.get(url, HTTP_ACCEPT_LANGUAGE="ar,fr;q=0.8")
    assert r.json()["titre"] == TITLE_AR and "Accept-Language" in r["Vary"]
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="de,ar;q=0.5").json()["titre"] == TITLE_AR
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="de").json()["titre"] == "Cours de français {{ 7*7 }}"
    assert client.get(url, {"lang": "fr"}, HTTP_ACCEPT_LANGUAGE="ar").json()["titre"].startswith("Cours")
    # a producer that reads to write back gets French unless it asks
    client.force_login(User.objects.create_user("producteur"))
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="ar").json()["titre"] == "Cours de français {{ 7*7 }}"
    assert client.get(url, {"lang": "ar"}).json()["titre"] == TITLE_AR


@pytest.mark.parametrize("path", ["/api/v1/recherche/?commune=21166", "/api/v1/dispositifs/", "FICHE"])
def test_unknown_language_is_a_french_400(client, s, path):
    path = f"/api/v1/dispositifs/{s.francais.pk}/" if path == "FICHE" else path
    r = client.get(path, {"lang": "de"})
    assert r.status_code == 400 and r.json()["parametre"] == "lang"
    assert r.json()["detail"] == "lang : langue non proposée « de ». Langues : fr, en, ar, ps, fa, ti, ru, uk."


def test_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/recherche/", "/api/v1/dispositifs/", "/api/v1/dispositifs/{id}/"):
        params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert params["lang"]["schema"]["enum"] == ["fr", "en", "ar", "ps", "fa", "ti", "ru", "uk"], path
        assert params["lang"]["description"].startswith("Langue du contenu")
    result = schema["components"]["schemas"]["Result"]["properties"]
    assert result["traduction"]["additionalProperties"]["enum"] == ["relue", "brouillon", "originale"]
