"""Phone first (issue #14), in a real browser at 390x844: results before filters, themes in one folded
line, a skip link to the results, few Tab stops, a theme tap that does not jump to the top, counters that
read right in Arabic and Pashto; axe-core clean in fr/ar/ps/ti/uk, screenshots in var/screenshots/."""

import re

import pytest

from tests.browser.harness import axe_violations, browser, new_page, screenshot, web_server  # noqa: F401
from tests.browser.sample import FRANCAIS, build_sample

pytestmark = pytest.mark.django_db
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(web_server):  # noqa: F811
    from dispositifs.models import Dispositif

    build_sample()
    for i in range(25):  # two pages of results
        d = Dispositif.objects.create(title=f"Permanence nationale {i:02d}", national=True, status="publie")
        d.themes.set([FRANCAIS])
    return web_server


def test_first_result_is_on_the_first_screen_and_the_skip_link_reaches_it(browser, site):  # noqa: F811
    page = new_page(browser, **PHONE)
    page.goto(site + "/recherche/?commune=21166")
    first = page.locator(".web-card").first.bounding_box()
    assert first["y"] < PHONE["height"], first  # was 1,190 px with the theme chips above
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller aux résultats"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "resultats"
    page.goto(site + "/recherche/?commune=21166")
    stops = 0
    while stops < 40 and not page.evaluate("!!document.activeElement.closest('.web-card')"):
        page.keyboard.press("Tab")
        stops += 1
    assert stops <= 12, f"{stops} Tab stops before the first result (was 26)"
    screenshot(page, "phone-results-fr")


def test_a_theme_tap_keeps_the_place_on_the_page_and_the_same_label(browser, site):  # noqa: F811
    page = new_page(browser, **PHONE)
    page.goto(site + "/")
    home_label = page.locator(f"button[value='{FRANCAIS}']").inner_text().strip()
    page.goto(site + "/recherche/?commune=21166")
    page.click(".web-themes-control > summary")
    page.click("label[for=theme-sante]")
    page.wait_for_url(re.compile(r"theme=sante.*#affiner$"))
    page.wait_for_load_state()
    assert page.evaluate("window.scrollY") > 100  # not back at the top
    assert "Santé" in page.locator(".web-themes-control > summary").inner_text()
    page.goto(site + f"/recherche/?commune=21166&theme={FRANCAIS}")
    assert home_label in page.locator(".web-themes-control > summary").inner_text()  # one label per theme
    assert page.locator(".web-card .fr-badge", has_text=home_label).count() >= 1


@pytest.mark.parametrize("lang, expected", [("ar", "1 من 2"), ("ps", "1 له 2")])
def test_page_counter_reads_right_to_left(browser, site, lang, expected):  # noqa: F811
    page = new_page(browser, **PHONE)
    page.goto(site + f"/recherche/?commune=21166&lang={lang}")
    counter = page.locator(".fr-pagination__link[aria-current=page]")
    assert counter.inner_text().strip() == expected
    assert page.evaluate("document.documentElement.dir") == "rtl"
    violations = axe_violations(page)
    assert violations == [], violations
    screenshot(page, f"phone-results-{lang}")


@pytest.mark.parametrize("lang", ["ti", "uk", "fr"])
def test_phone_pages_are_axe_clean(browser, site, lang):  # noqa: F811
    page = new_page(browser, **PHONE)
    for path in ["/", "/recherche/?commune=21166", "/territoires/departements/21/"]:
        page.goto(site + path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        violations = axe_violations(page)
        assert violations == [], (path, violations)
    screenshot(page, f"phone-departement-{lang}")
