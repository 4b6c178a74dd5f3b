"""Paper and sharing (issue #14): the results as a compact printable sheet with a QR code per fiche in the
page's language; share links that keep the language; a printed fiche shows its website."""

import re

import pytest

from tests.browser.sample import build_sample

pytestmark = pytest.mark.django_db


def test_sheet_lists_address_phone_hours_distance_and_a_qr_per_fiche(client):
    s = build_sample()
    page = client.get("/recherche/feuille/", {"commune": "21166", "lang": "uk"}).content.decode()
    assert '<html lang="uk"' in page
    fiche = re.search(r'<li class="feuille__fiche">.*?Cours de français pour adultes.*?</li>', page, re.S).group(0)
    assert "12 rue de la Paix, 21300 Chenôve" in fiche
    assert "03 80 12 34 56" in fiche
    assert "понеділок 09:00–12:00 · четвер 09:00–12:00" in fiche.lower()  # the hours as a week, in Ukrainian
    assert re.search(r"\d{3} м", fiche)  # the distance
    assert fiche.count("<svg") == 1  # its QR code
    assert page.count('class="feuille__fiche"') == 4
    assert f"http://testserver/dispositifs/{s.francais.pk}/?lang=uk" in fiche  # under its QR code, language kept
    assert "Les actions près de" not in page


def test_results_page_links_to_the_sheet_and_the_pdf_with_its_language(client):
    build_sample()
    page = client.get("/recherche/", {"commune": "21166", "lang": "ar"}).content.decode()
    assert re.search(r'href="/recherche/feuille/\?commune=21166&amp;lang=ar"', page)
    assert re.search(r'href="/recherche/guide\.pdf\?commune=21166&amp;lang=ar"', page)


def test_share_links_keep_the_language_and_the_website_prints(client):
    s = build_sample()
    page = client.get(s.francais.get_absolute_url(), {"lang": "ps"}).content.decode()
    url = f"http%3A//testserver/dispositifs/{s.francais.pk}/%3Flang%3Dps"
    assert re.search(r'href="sms:\?&amp;body=Cours%20de%20fran[^"]*' + re.escape(url), page)
    assert re.search(r'href="https://wa\.me/\?text=[^"]*' + re.escape(url), page)
    assert re.search(r'href="mailto:\?subject=[^"]*&amp;body=[^"]*' + re.escape(url), page)
    website = r'class="web-print-only[^"]*">[^<]*<bdi dir="ltr">https://accueil-refugies\.example/francais'
    assert re.search(website, page)
