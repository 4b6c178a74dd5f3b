"""The public pages rendered by Django (no browser): content, groups, filters, errors, languages."""

import json
import re

import pytest

from tests.browser.sample import FRANCAIS, build_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return build_sample()


def html(response):
    return response.content.decode()


def group_titles(page: str, portee: str) -> list[str]:
    """Titles listed under one reason's heading on the results page."""
    match = re.search(rf'id="groupe-{portee}".*?</section>', page, re.S)
    return re.findall(r'<h3 class="web-card__title"><a [^>]*>([^<]+)</a>', match.group(0)) if match else []


def test_home_has_place_field_and_theme_shortcuts(client):
    page = html(client.get("/"))
    assert 'action="/recherche/"' in page and 'method="get"' in page
    assert '<label class="fr-label" for="lieu">' in page
    assert f'name="theme" value="{FRANCAIS}"' in page
    assert 'value="logement-hebergement"' in page and 'value="sante"' in page
    assert '<html lang="fr" dir="ltr"' in page


def test_results_grouped_by_reason(client, s):
    response = client.get("/recherche/", {"lieu": "Chenôve"})
    page = html(response)
    assert response.status_code == 200
    assert group_titles(page, "proximite") == ["Cours de français pour adultes", "Atelier recherche d&#x27;emploi"]
    assert group_titles(page, "departement") == ["Permanence d&#x27;accès aux soins"]
    assert group_titles(page, "national") == ["Apprendre le français en ligne"]
    assert "Hébergement à Paris" not in page and "Brouillon" not in page
    assert "4 actions trouvées" in page
    assert re.search(r'class="web-distance">\d{3} m</bdi>', page)  # the Chenôve lieu is a few hundred metres away
    assert re.search(r'class="web-distance">[3-5],\d km</bdi>', page)  # Dijon, ~4 km


def test_postal_code_commune_code_and_position_give_the_same_place(client, s):
    by_postal = group_titles(html(client.get("/recherche/", {"lieu": "21300"})), "proximite")
    by_code = group_titles(html(client.get("/recherche/", {"commune": "21166"})), "proximite")
    by_point = group_titles(html(client.get("/recherche/", {"lat": "47.2925", "lon": "5.0046"})), "proximite")
    assert by_postal == by_code == by_point == ["Cours de français pour adultes", "Atelier recherche d&#x27;emploi"]


def test_retyped_place_wins_over_the_previous_one(client, s):
    # Without JavaScript the hidden commune of the previous search is still sent: the typed text decides.
    page = html(client.get("/recherche/", {"lieu": "Paris", "commune": "21166", "place_label": "Chenôve (21)"}))
    assert "Hébergement à Paris" in group_titles(page, "proximite")


def test_theme_filter_and_facets(client, s):
    page = html(client.get("/recherche/", {"lieu": "Chenôve", "theme": "sante"}))
    assert group_titles(page, "departement") == ["Permanence d&#x27;accès aux soins"]
    assert "Cours de français pour adultes" not in page
    assert re.search(r'<input type="checkbox" name="theme" value="sante" id="theme-sante" checked', page)
    # the other themes stay offered with their own counts, to switch in one tap
    assert re.search(r'id="theme-trouver-un-emploi" data-autosubmit><label[^>]*>Trouver un emploi <bdi>\(1\)</bdi>',
                     page)
    all_page = html(client.get("/recherche/", {"lieu": "Chenôve"}))
    assert 'value="lecture-ecriture-calcul"' in all_page and 'value="trouver-un-emploi"' in all_page


def test_more_filters_narrow_results(client, s):
    page = html(client.get("/recherche/", {"lieu": "Chenôve", "modalite": "distance", "national": "true"}))
    assert group_titles(page, "proximite") == ["Atelier recherche d&#x27;emploi"]  # mixte serves distance too
    assert group_titles(page, "national") == ["Apprendre le français en ligne"]
    assert "Cours de français pour adultes" not in page  # présentiel only


def test_nothing_near_offers_a_wider_radius_in_one_tap(client, s):
    page = html(client.get("/recherche/", {"lieu": "Brest"}))
    assert "Aucune action sur place à moins de 30 km" in page
    assert re.search(r'href="\?[^"]*rayon_km=100"', page)
    assert group_titles(page, "national") == ["Apprendre le français en ligne"]
    empty = html(client.get("/recherche/", {"lieu": "Brest", "national": "false"}))
    assert "Aucune action ne correspond" in empty and "national=true" in empty


def test_unknown_place_is_a_helpful_400(client, s):
    response = client.get("/recherche/", {"lieu": "Xqzwv Kjhgf"})
    assert response.status_code == 400
    assert "Nous n&#x27;avons pas trouvé ce lieu" in html(response)
    suggestions = html(client.get("/recherche/", {"lieu": "Chenov"}))
    assert 'commune=21166' in suggestions or "Chenôve" in suggestions


def test_invalid_filter_is_a_400_with_the_reason(client, s):
    response = client.get("/recherche/", {"lieu": "Dijon", "theme": "n-existe-pas"})
    assert response.status_code == 400
    assert "Thème inconnu" in html(response)


def test_pagination_keeps_the_query(client, s):
    from dispositifs.models import Dispositif

    for i in range(25):
        Dispositif.objects.create(title=f"National {i:02d}", national=True, status="publie")
    page = html(client.get("/recherche/", {"lieu": "Chenôve", "theme": "", "rayon_km": "10"}))
    assert "2 sur 2" not in page and "1 sur 2" in page
    assert re.search(r'href="\?lieu=Chen%C3%B4ve&amp;theme=&amp;rayon_km=10&amp;page=2"', page)
    second = html(client.get("/recherche/", {"lieu": "Chenôve", "rayon_km": "10", "page": "2"}))
    assert "2 sur 2" in second


def test_detail_page(client, s):
    response = client.get(s.francais.get_absolute_url())
    page = html(response)
    assert response.status_code == 200
    assert '<h1 lang="fr">Cours de français pour adultes</h1>' in page
    assert 'href="tel:0380123456"' in page
    assert 'href="mailto:contact@accueil-refugies.example"' in page
    assert 'href="https://accueil-refugies.example/francais"' in page
    sms = r'href="sms:\?&amp;body=Cours%20de%20fran[^"]*%20http%3A//testserver/dispositifs/\d+/%3Flang%3Dfr"'
    assert re.search(sms, page)
    assert "Alphabétisation" in page and "Gratuit" in page and "Bénéficiaires de la protection internationale" in page
    assert '<span lang="ar">' in page and "پښتو" in page
    assert "12 rue de la Paix" in page and "21300" in page
    assert re.search(r'<link rel="stylesheet" href="/static/annuaire/site\.(\w+\.)?css">', page)  # print rules inside
    points = json.loads(re.search(r'<script id="carte-points" type="application/json">(.*?)</script>', page).group(1))
    assert len(points) == 1 and abs(points[0]["lat"] - 47.29) < 0.05


def test_detail_coverage_in_words(client, s):
    assert "Département : Côte-d&#x27;Or (21)" in html(client.get(s.sante.get_absolute_url()))
    assert "Toute la France" in html(client.get(s.national.get_absolute_url()))


def test_draft_is_not_public(client, s):
    assert client.get(s.brouillon.get_absolute_url()).status_code == 404


def test_back_link_only_to_our_results(client, s):
    url = s.francais.get_absolute_url()
    assert "Retour aux résultats" in html(client.get(url, {"retour": "/recherche/?lieu=Dijon"}))
    assert "Retour aux résultats" not in html(client.get(url, {"retour": "javascript:alert(1)"}))


def test_departement_page_counts_by_theme(client, s):
    page = html(client.get("/territoires/departements/21/"))
    assert "3 actions locales publiées" in page  # français, emploi, santé; not national, not Paris, not draft
    assert re.search(r'id="theme-sante">Santé <span class="fr-badge[^"]*"><bdi>1</bdi></span>', page)
    assert "Hébergement à Paris" not in page and "Apprendre le français en ligne" not in page
    points = json.loads(re.search(r'<script id="carte-points" type="application/json">(.*?)</script>', page).group(1))
    assert sorted(p["title"] for p in points) == ["Atelier recherche d'emploi", "Cours de français pour adultes"]
    assert client.get("/territoires/departements/2a/").status_code == 200
    assert client.get("/territoires/departements/999/").status_code == 404


def test_departement_outline_is_light_geojson(client):
    response = client.get("/territoires/departements/21/contour.geojson")
    geometry = json.loads(response.content)
    assert response.status_code == 200 and geometry["type"] == "MultiPolygon"
    assert len(response.content) < 20_000
    missing = client.get("/territoires/departements/00/contour.geojson")
    assert missing.status_code == 404 and "detail" in json.loads(missing.content)


def test_language_switch_sticks_and_arabic_is_rtl(client):
    page = html(client.get("/", {"lang": "ar"}))
    assert '<html lang="ar" dir="rtl"' in page
    assert client.cookies["django_language"].value == "ar"
    response = client.get("/recherche/")  # no parameter: the cookie keeps Arabic
    assert "Cookie" in response["Vary"] and "Accept-Language" in response["Vary"]
    again = html(response)
    assert '<html lang="ar" dir="rtl"' in again
    assert "ابحث" in again or "بحث" in again  # the interface is translated, not only mirrored
    assert '<a class="web-lang__link" href="/recherche/?lang=fr" hreflang="fr" lang="fr"' in again


@pytest.mark.parametrize("code, rtl", [("en", False), ("ar", True), ("ps", True), ("fa", True), ("ti", False),
                                       ("ru", False), ("uk", False)])
def test_every_language_is_translated(client, code, rtl):
    page = html(client.get("/", {"lang": code}))
    assert f'<html lang="{code}" dir="{"rtl" if rtl else "ltr"}"' in page
    assert "Trouver une aide près de chez vous" not in page  # the main heading has a translation
    assert "Ville ou code postal" not in page


def test_results_page_query_count_does_not_grow_with_results(client, s, django_assert_max_num_queries):
    from dispositifs.models import Dispositif

    for i in range(15):
        d = Dispositif.objects.create(title=f"National {i:02d}", national=True, status="publie")
        d.themes.set(["sante"])
    client.get("/recherche/", {"lieu": "Dijon"})   # the vocabulary and the national slice into the cache
    # place, the search's local statement and its national results (each wrapped in savepoint + SET LOCAL
    # in a test; one round trip each in production), the cached slice and vocabulary: whatever the number
    # of results (the results come written by the statement, dispositifs/recherche_sql.py).
    with django_assert_max_num_queries(14):
        assert client.get("/recherche/", {"lieu": "Chenôve"}).status_code == 200


def test_detail_page_query_count(client, s, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert client.get(s.francais.get_absolute_url()).status_code == 200
