"""The maps' own JavaScript runs in Chromium: features coloured by class, the indicator selector
restyles them, legend, overseas box, clustered lieux. Offline, as a downloaded file: Leaflet and
markercluster are embedded in it, every other request is refused (and none is made), tiles are off."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from .browser.harness import browser  # noqa: F401 (fixture)
from .maps_cases import build_small_case

pytestmark = pytest.mark.django_db



def open_map(browser, path: Path, locale: str = "fr-FR"):  # noqa: F811
    page = browser.new_page(locale=locale)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    asked = []

    def route(r):  # the file, offline: it must ask for nothing else
        if r.request.url == "http://maps.test/map.html":
            return r.fulfill(body=path.read_bytes(), content_type="text/html; charset=utf-8")
        asked.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto("http://maps.test/map.html")
    page.wait_for_selector(".annuaire-title", state="attached")
    page.wait_for_timeout(200)
    assert errors == [] and asked == [], (errors, asked)
    return page, errors


@pytest.fixture
def rendered(tmp_path, settings):
    settings.TILES_URL = ""
    build_small_case()
    call_command("render_maps", "--out", str(tmp_path), "--departement", "35", "--no-png", stdout=io.StringIO(),
                 stderr=io.StringIO())
    return tmp_path


def fills(page):
    """Fill colour -> number of features, read from the Leaflet layers (the maps draw on a canvas)."""
    return page.evaluate("""() => {
        const out = {};
        window.annuaireCarte.polygons.eachLayer(l => { const f = l.options.fillColor;
                                                      if (f) out[f] = (out[f] || 0) + 1; });
        return out; }""")


def test_france_map_colours_switches_indicator_and_lists_overseas(rendered, browser):  # noqa: F811
    page, errors = open_map(browser, rendered / "france-densite.html")
    colours = fills(page)
    # 35 has 3 actions (class 3-6), 22/29/56/69 have 1, the rest 0 (class < 2): two colours.
    assert colours.get("#c7e9b4") == 1 and sum(colours.values()) >= 101
    legend = page.inner_text(".annuaire-legend")
    assert "< 2" in legend and "≥ 82" in legend and "Source" in legend
    assert "Guadeloupe" in page.inner_text(".annuaire-insets")
    page.select_option(".annuaire-title select", label="Thème : Santé")
    assert "Santé" in page.inner_text(".annuaire-legend")
    assert "#c7e9b4" not in fills(page)  # santé: 1 action at most anywhere
    page.select_option(".annuaire-title select", label="Pour 100 000 habitants")
    assert len(fills(page)) >= 2
    assert errors == []
    page.close()


def test_departement_map_runs_with_lieux_and_coverage_panel(rendered, browser):  # noqa: F811
    page, errors = open_map(browser, rendered / "departement-35.html")
    # A and F in Rennes: one cluster of 2 (the real markercluster), then the two dots once zoomed in
    assert page.inner_text(".marker-cluster") == "2"
    page.click(".marker-cluster")
    page.wait_for_function("document.querySelectorAll('.annuaire-dot').length == 2")
    assert "2 actions couvrent tout le département" in page.inner_text(".annuaire-panel")
    assert sum(fills(page).values()) > 300  # the communes
    assert errors == []
    page.close()


@pytest.mark.parametrize("locale, zoom_in, zoom_out", [("fr-FR", "Zoomer", "Dézoomer"), ("ar", "تكبير", "تصغير"),
                                                        ("de-DE", "Zoomer", "Dézoomer")])
def test_zoom_buttons_in_the_readers_language(rendered, browser, locale, zoom_in, zoom_out):  # noqa: F811
    """A stored map is one file for everybody: Leaflet's English "Zoom in" becomes the reader's language
    (the pages' own translations), else French."""
    page, errors = open_map(browser, rendered / "departement-35.html", locale=locale)
    button = page.query_selector(".leaflet-control-zoom-in")
    assert button.get_attribute("title") == zoom_in and button.get_attribute("aria-label") == zoom_in
    assert page.query_selector(".leaflet-control-zoom-out").get_attribute("title") == zoom_out
    assert errors == []
    page.close()
