"""The personal space in a real browser (Chromium through Playwright) with the real job runner: an
operator uploads a messy spreadsheet, maps an unknown theme, downloads the rejected rows, confirms
and finds the new dispositifs on the public search; a structure member edits a fiche, the operator
publishes it, the history shows the change. Screenshots in var/screenshots/."""

import re

from openpyxl import load_workbook

from comptes.models import Source
from comptes.services import save_account
from dispositifs.models import Dispositif, Structure
from tests.browser.harness import browser, new_page, screenshot, web_server  # noqa: F401
from tests.comptes_cases import PASSWORD, fast_passwords  # noqa: F401
from tests.test_espace_import import MESSY_CSV


def login(browser, site, email):  # noqa: F811
    page = new_page(browser)
    page.goto(site + "/espace/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Se connecter')")
    page.wait_for_url(re.compile(r"/espace/$"))
    return page


def wait_state(page, etat: str, *, worker, gone: str | None = None, timeout: float = 90):
    """Reload the upload page (it also refreshes itself) until the job has reached `etat`."""
    import time

    deadline = time.monotonic() + timeout
    url = page.url
    from playwright.sync_api import Error

    while time.monotonic() < deadline:
        try:  # the page may be reloading itself (meta refresh) at that very moment
            page.goto(url)
            if page.locator(f"[data-etat={etat}]").count() and not (gone and page.locator(gone).count()):
                return
        except Error:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{etat} not reached: {page.locator('main').inner_text()[:500]}\n"
                         f"worker:\n{worker.output()}")


def test_operator_imports_and_moderates(browser, web_server, job_worker, tmp_path):  # noqa: F811
    site = web_server
    operateur = save_account("ddets21@example.org", role="operateur", departements=["21"], sources=["ddets-21"],
                             password=PASSWORD)
    Source.objects.filter(slug="ddets-21").update(departement_id="21", label="DDETS Côte-d'Or")

    page = login(browser, site, operateur.email)
    screenshot(page, "espace-tableau")
    page.click("a:has-text('Importer')")
    page.set_input_files("#fichier", files=[{"name": "offre ddets 21.csv", "mimeType": "text/csv",
                                              "buffer": MESSY_CSV}])
    page.click("button:has-text(\"Lancer l'essai\")")
    wait_state(page, "apercu", worker=job_worker)
    assert page.locator("[data-correspondance='Ateliers du jeudi']").is_visible()
    screenshot(page, "espace-import-apercu")
    page.select_option("[data-correspondance='Ateliers du jeudi']", "preparer-sa-candidature")
    page.click("button:has-text(\"Associer et refaire l'essai\")")
    wait_state(page, "apercu", worker=job_worker, gone="[data-correspondance]")
    with page.expect_download() as download:
        page.click("[data-rejets]")
    path = tmp_path / "rejets.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][-1] == "raison" and [r[0] for r in rows[1:]] == ["Permanence santé"]
    page.click("[data-confirmer]")
    wait_state(page, "termine", worker=job_worker)
    assert "3 créés" in page.locator("[data-resultat]").inner_text()
    screenshot(page, "espace-import-resultat")

    public = new_page(browser)
    public.goto(site + "/recherche/?commune=21231")
    for title in ("Cours de français du soir", "Atelier CV", "Jardin partagé"):
        assert public.locator(f"text={title}").first.is_visible()

    # a structure member edits a fiche; it waits; the operator publishes it; the history shows the change
    d = Dispositif.objects.get(title="Atelier CV")
    membre = save_account("membre@example.org", role="structure", structure=Structure.objects.get(pk=d.structure_id),
                          password=PASSWORD)
    member = login(browser, site, membre.email)
    member.goto(site + f"/espace/dispositifs/{d.pk}/modifier/")
    member.fill("#id_titre", "Atelier CV et lettre de motivation")
    member.fill("#id_telephone", "03.80.12.34.56")
    member.wait_for_selector("[data-lieu-map][data-ready=true]")  # a click on the map places the lieu
    before = member.input_value("#id_lieux-0-lat")
    member.locator("[data-lieu-map]").first.click(position={"x": 60, "y": 60})
    assert member.input_value("#id_lieux-0-lat") not in ("", before)
    member.click("button:has-text('Enregistrer')")
    member.wait_for_url(re.compile(rf"/espace/dispositifs/{d.pk}/$"))
    assert "attend la modération" in member.locator(".fr-alert").inner_text()
    screenshot(member, "espace-membre-proposition")

    page.goto(site + f"/espace/dispositifs/{d.pk}/")
    assert page.locator("#proposition").is_visible()
    page.click("[data-publier]")
    page.wait_for_selector("[data-statut=publie]")
    history = page.locator("[data-historique]").inner_text()
    assert "Atelier CV et lettre de motivation" in history and "membre@example.org" in history
    assert "03 80 12 34 56" in history
    screenshot(page, "espace-fiche-historique")
    public.goto(site + f"/dispositifs/{d.pk}/")
    assert public.locator("h1").inner_text() == "Atelier CV et lettre de motivation"
    assert public.locator("[data-fraicheur]").inner_text().startswith("Vérifié le")
