"""The pages in a real browser (Debian's Chromium through Playwright), offline: search from the home
page to a detail page, filter by theme, Arabic right to left, a 360-px phone, JavaScript off,
page weight, maps without tiles, and axe-core accessibility checks."""

import re

import pytest

from tests.browser.harness import axe_violations, browser, new_page, screenshot, web_server  # noqa: F401
from tests.browser.sample import build_sample

pytestmark = pytest.mark.django_db

BUDGET = 150_000  # bytes, results page first load without tiles (HTML + CSS + JS + fonts + icons)


@pytest.fixture
def site(web_server):  # noqa: F811
    build_sample()
    return web_server


def no_serious_axe(page, label):
    violations = axe_violations(page)
    assert violations == [], f"axe-core on {label}: {violations}"


def test_search_from_home_to_detail(browser, site):  # noqa: F811
    page = new_page(browser)
    page.goto(site + "/")
    no_serious_axe(page, "home")
    page.fill("#lieu", "Chenôve")
    page.keyboard.press("Escape")
    page.click("button[type=submit]:has-text('Rechercher')")
    page.wait_for_url(re.compile(r"/recherche/\?"))
    assert page.locator("h1").inner_text().startswith("Les actions près de Chenôve")
    assert page.locator("#groupe-proximite").is_visible()
    assert page.locator("#groupe-departement").is_visible() and page.locator("#groupe-national").is_visible()
    page.wait_for_selector("[data-map][data-ready=true]")
    no_serious_axe(page, "results")
    screenshot(page, "results-desktop")
    page.click("text=Cours de français pour adultes")
    page.wait_for_url(re.compile(r"/dispositifs/\d+/"))
    assert page.locator("h1").inner_text() == "Cours de français pour adultes"
    assert page.locator("a[href='tel:0380123456']").is_visible()
    assert page.locator("text=Retour aux résultats").is_visible()
    assert page.locator("[data-copy]").is_visible()  # the copy button appears with JavaScript
    no_serious_axe(page, "detail")
    screenshot(page, "detail-desktop")


def test_place_autocomplete_with_the_keyboard(browser, site):  # noqa: F811
    page = new_page(browser)
    page.goto(site + "/")
    page.locator("#lieu").press_sequentially("chenov", delay=30)
    page.wait_for_selector("#lieu-option-0")
    assert page.get_attribute("#lieu", "aria-expanded") == "true"
    assert page.locator("#lieu-option-0").inner_text() == "Chenôve (21300)"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # picks the suggestion
    assert page.input_value("#lieu") == "Chenôve (21300)"
    assert page.input_value("[data-commune]") == "21166"
    page.keyboard.press("Enter")  # submits
    page.wait_for_url(re.compile(r"commune=21166"))
    assert page.locator("h1").inner_text().startswith("Les actions près de Chenôve")


def test_use_my_position(browser, site):  # noqa: F811
    page = new_page(browser, geolocation={"latitude": 47.2925, "longitude": 5.0046}, permissions=["geolocation"])
    page.goto(site + "/")
    page.click("[data-geoloc]")
    page.wait_for_url(re.compile(r"lat=47\.29250&lon=5\.00460"))
    assert page.locator("h1").inner_text().startswith("Les actions près de Chenôve")
    assert page.locator("section[aria-labelledby=groupe-proximite] .web-card").count() == 2
    page.click(".web-themes-control > summary")  # the themes fold into one line (phone first)
    page.click("label[for=theme-sante]")  # the position is kept when a filter changes
    page.wait_for_url(re.compile(r"theme=sante"))
    assert "lat=47.29250" in page.url


def test_filter_by_theme(browser, site):  # noqa: F811
    page = new_page(browser)
    page.goto(site + "/recherche/?lieu=Chen%C3%B4ve")
    assert page.locator(".web-card").count() == 4
    page.click(".web-themes-control > summary")
    page.click("label[for=theme-sante]")  # a facet applies at once
    page.wait_for_url(re.compile(r"theme=sante"))
    titles = page.locator(".web-card__title").all_inner_texts()
    assert titles == ["Permanence d'accès aux soins"]
    assert page.locator("#theme-sante").is_checked()


def test_home_theme_button_searches_that_theme(browser, site):  # noqa: F811
    page = new_page(browser)
    page.goto(site + "/")
    page.fill("#lieu", "21300")
    page.click("button[value='lecture-ecriture-calcul--maitriser-le-francais']")
    page.wait_for_url(re.compile(r"/recherche/\?"))
    titles = page.locator(".web-card__title").all_inner_texts()
    assert titles == ["Cours de français pour adultes", "Apprendre le français en ligne"]


def test_arabic_is_right_to_left_and_sticks(browser, site):  # noqa: F811
    page = new_page(browser)
    page.goto(site + "/")
    page.click(".web-lang__summary")
    page.click("a[hreflang=ar]")
    page.wait_for_url(re.compile(r"lang=ar"))
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    page.fill("#lieu", "Chenôve")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/recherche/\?"))
    assert "lang=" not in page.url  # the cookie keeps the choice
    assert page.evaluate("document.documentElement.dir") == "rtl"
    width = page.viewport_size["width"]
    title = page.locator("h1").bounding_box()
    assert title["x"] + title["width"] > width * 0.6  # text starts on the right
    switcher = page.locator(".web-lang__summary").bounding_box()
    service = page.locator(".fr-header__service-title").bounding_box()
    assert switcher["x"] < service["x"]  # header mirrored: the switcher is on the left
    assert page.locator(".web-card__title a").first.get_attribute("lang") == "fr"  # content stays French
    page.wait_for_selector("[data-map][data-ready=true]")
    no_serious_axe(page, "results in Arabic")
    screenshot(page, "results-arabic")


def test_phone_360_has_no_horizontal_scroll(browser, site):  # noqa: F811
    page = new_page(browser, width=360, height=740)
    for path in ["/", "/recherche/?lieu=Chen%C3%B4ve", "/territoires/departements/21/"]:
        page.goto(site + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    screenshot(page, "departement-phone")
    page.goto(site + "/recherche/?lieu=Chen%C3%B4ve")
    page.click(".web-filters > summary")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "filters panel open"
    page.click(".web-filters > summary")
    no_serious_axe(page, "results on a phone")
    screenshot(page, "results-phone")
    page.click(".web-card__title a >> nth=0")
    page.wait_for_url(re.compile(r"/dispositifs/\d+/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "detail-phone")
    page.goto(site + "/?lang=ar")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "home-phone-arabic")


def test_without_javascript(browser, site):  # noqa: F811
    page = new_page(browser, javascript=False)
    page.goto(site + "/")
    page.fill("#lieu", "Dijon")
    page.click("button[type=submit]:has-text('Rechercher')")
    page.wait_for_url(re.compile(r"/recherche/\?"))
    assert page.locator(".web-card").count() >= 3
    assert not page.locator("[data-map]").is_visible()  # no map without JavaScript, the list is enough
    assert not page.locator("[data-geoloc]").is_visible()
    page.click(".web-themes-control > summary")  # <details>: opens without JavaScript
    page.click("label[for=theme-sante]")
    page.click(".web-facets button[type=submit]")  # a facet is applied by the button shown without JavaScript
    page.wait_for_url(re.compile(r"theme=sante"))
    assert page.locator(".web-card__title").all_inner_texts() == ["Permanence d'accès aux soins"]
    page.click(".web-themes-control > summary")
    page.click("label[for=theme-sante]")  # unchecks
    page.click(".web-filters > summary")  # <details>: opens without JavaScript
    page.click("label[for=f-gratuit]")
    page.click("label[for=theme-trouver-un-emploi]")
    page.click(".web-filters button[type=submit]")
    page.wait_for_url(re.compile(r"theme=trouver-un-emploi"))
    assert page.locator(".web-card__title").all_inner_texts() == ["Atelier recherche d'emploi"]
    page.click(".web-lang__summary")
    page.click("a[hreflang=uk]")
    page.wait_for_url(re.compile(r"lang=uk"))
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "uk"
    assert "theme=trouver-un-emploi" in page.url  # switching language keeps the search
    screenshot(page, "results-no-javascript")


def test_results_page_weight_and_map_without_tiles(browser, site, capsys):  # noqa: F811
    figures = {}
    for label, width in [("phone", 360), ("desktop", 1280)]:
        page = new_page(browser, width=width, height=800)
        page.goto(site + "/recherche/?lieu=Chen%C3%B4ve")
        page.wait_for_load_state("networkidle")
        if width > 1000:
            page.wait_for_selector("[data-map][data-ready=true]")
            page.wait_for_load_state("networkidle")
            # Tiles were asked for and refused (offline), yet the points and the outline are drawn.
            assert any("tile" in url for url in page.network.blocked)
            assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 2  # 2 lieux nearby
            assert page.locator(".leaflet-overlay-pane path:not(.leaflet-interactive)").count() >= 1  # outline
        figures[label] = page.network.weight()
        page.context.close()
    with capsys.disabled():
        for label, w in figures.items():
            print(f"\nresults page first load ({label}): " + ", ".join(f"{k}={v / 1000:.1f} KB" for k, v in w.items()))
    assert figures["phone"]["total"] < BUDGET
    assert figures["desktop"]["total"] < BUDGET


def test_detail_prints_without_navigation(browser, site):  # noqa: F811
    page = new_page(browser)
    page.goto(site + "/recherche/?lieu=Chen%C3%B4ve")
    page.click("text=Cours de français pour adultes")
    page.wait_for_url(re.compile(r"/dispositifs/\d+/"))
    page.emulate_media(media="print")
    assert not page.locator(".web-header").is_visible()
    assert not page.locator(".web-share").is_visible() and not page.locator("[data-map]").is_visible()
    assert page.locator(".web-print-url").is_visible()  # the link is written on the paper
    assert page.locator("h1").is_visible() and page.locator("text=12 rue de la Paix").is_visible()
