"""Offline (issue #14): the service worker keeps the last results and the fiches viewed readable without
network, shows a page saying so for the others; the manifest describes the site. Real Chromium, offline
mode switched on after a first visit."""

import json
import re

import pytest

from tests.browser.harness import SCREENSHOTS, axe_violations, browser, new_page, web_server  # noqa: F401
from tests.browser.sample import build_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(web_server):  # noqa: F811
    build_sample()
    return web_server


def test_last_results_and_viewed_fiche_stay_readable_offline(browser, site):  # noqa: F811
    page = new_page(browser, width=390, height=844)
    page.goto(site + "/recherche/?commune=21166&lang=ar")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled: this visit is the one kept
    page.wait_for_function("!!navigator.serviceWorker.controller")
    page.click(".web-card__title a >> nth=0")
    page.wait_for_url(re.compile(r"/dispositifs/\d+/"))
    fiche = page.url
    page.wait_for_load_state("networkidle")

    page.context.set_offline(True)
    page.goto(site + "/recherche/?commune=21166&lang=ar")
    assert page.locator(".web-card").count() == 4
    assert page.evaluate("document.documentElement.dir") == "rtl"
    border = "getComputedStyle(document.querySelector('.web-card')).borderBottomStyle"
    assert page.evaluate(border) == "solid"  # the stylesheet came from the cache too
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # not screenshot(): it waits for the map, whose Leaflet
    page.screenshot(path=str(SCREENSHOTS / "offline-results-ar.png"), full_page=True)  # was never fetched
    page.goto(fiche)
    assert page.locator("h1").inner_text() == "Cours de français pour adultes"
    page.goto(site + "/territoires/departements/75/")  # never opened
    assert "غير متصل" in page.locator("h1").inner_text()  # "offline", in the page's language
    assert axe_violations(page) == []
    page.context.set_offline(False)


def test_manifest_and_service_worker_are_served_from_the_root(client):
    manifest = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="fr")
    data = json.loads(manifest.content)
    assert data["start_url"] == "/" and data["display"] == "standalone" and data["icons"]
    worker = client.get("/sw.js")
    assert worker["Service-Worker-Allowed"] == "/" and "no-cache" in worker["Cache-Control"]
    assert b"annuaire-pages-v1" in worker.content
    assert '<link rel="manifest" href="/manifest.webmanifest">' in client.get("/").content.decode()
