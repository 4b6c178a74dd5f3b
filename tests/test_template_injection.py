"""No template ever sees data (issue #10): titles, structures and addresses that look like Jinja or
Django template code are imported through the real pipeline, then every output that shows data is
checked: the payloads appear literally (escaped for HTML), are never evaluated, and break nothing."""

import html
import io
import json
import os

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from dispositifs.models import Dispositif, Lieu, Structure
from maps import stored
from territoires.models import Commune, Departement

from .maps_cases import FLE

pytestmark = pytest.mark.django_db

EVAL = "Cours {{ 7*7 }}"
DEBUG = "Atelier {% debug %} santé"
STRUCTURE = "Association {{ 7*7 }} {% debug %}"
ADDRESS = "1 rue {{ 7*7 }} {% now 'Y' %}"


def ssti(marker) -> str:
    """Reaches `os` from Jinja's globals when a template engine evaluates it and sets the environment
    variable `marker` in the process (no quotes: it survives HTML escaping, as an attacker's would)."""
    return ("Permanence {{ cycler.__init__.__globals__.os.environ.setdefault(dict(" + marker
            + "=1)|first, dict(oui=1)|first) }}")


@pytest.fixture
def hostile(tmp_path, settings):
    settings.MAPS_DIR = tmp_path / "cartes"
    settings.TILES_URL = ""
    marker = f"ANNUAIRE_PWNED_{tmp_path.name[-8:].replace('-', '_').upper()}"
    # Written with the ORM as an import stores them (the import pipeline is covered by its own tests).
    structure = Structure.objects.create(name=STRUCTURE, kind="association")
    other = Structure.objects.create(name=ssti(marker), kind="association")
    rennes = Commune.objects.get(code="35238")
    ille = Departement.objects.get(code="35")
    for title, owner, theme, address in [(EVAL, structure, FLE, ADDRESS), (DEBUG, other, "sante", None),
                                         (ssti(marker), structure, FLE, None)]:
        d = Dispositif.objects.create(title=title, summary=title, structure=owner, status="publie",
                                      source="hostile", external_id=title[:20], import_key=str(len(title)))
        d.themes.set([theme])
        if address:
            Lieu.objects.create(dispositif=d, commune=rennes, point=rennes.centre, address=address,
                                postal_code="35000", precision="adresse")
        else:
            d.departements.set([ille])
    return {"marker": marker, "ssti": ssti(marker), "ids": dict(Dispositif.objects.filter(source="hostile")
                                                                .values_list("title", "pk"))}


def check_text(text: str, hostile, *, expect=(EVAL,)):
    """Payloads shown literally, never evaluated."""
    assert "Cours 49" not in text and "Association 49" not in text and "rue 49" not in text
    for value in expect:
        assert value in text, value
    assert hostile["marker"] not in os.environ, "template code from the data ran"


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def test_web_pages_show_the_payloads_as_text(client, hostile):
    pk = hostile["ids"][EVAL]
    check_text(html.unescape(body(client.get("/"))), hostile, expect=())
    check_text(html.unescape(body(client.get("/recherche/?commune=35238"))), hostile,
               expect=(EVAL, DEBUG, hostile["ssti"]))
    check_text(html.unescape(body(client.get(f"/dispositifs/{pk}/"))), hostile, expect=(EVAL, STRUCTURE, ADDRESS))
    check_text(html.unescape(body(client.get("/territoires/departements/35/"))), hostile, expect=(EVAL,))


def test_html_maps_carry_the_payloads_as_json_data(client, hostile):
    stored.render_map_file("departement-35.html")  # `{% debug %}` used to make this raise
    stored.render_map_file("france-densite.html")
    page = body(client.get("/cartes/departement-35.html"))
    before, block = page.split('<script id="annuaire-carte" type="application/json">', 1)
    data = json.loads(block.split("</script>")[0])
    titles = {row[4] for row in data["lieux"]} | {a["t"] for a in data["couverture"]["actions"]}
    assert {EVAL, DEBUG, hostile["ssti"]} <= titles
    check_text(page, hostile, expect=())
    assert "{{" not in before  # the values are only in the data block
    check_text(body(client.get("/cartes/france-densite.html")), hostile, expect=())


def test_png_maps_render(client, hostile):
    for name in ("departement-35.png", "france-densite.png"):
        stored.render_map_file(name)
        response = client.get(f"/cartes/{name}")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size[0] == 1000
    assert hostile["marker"] not in os.environ


def test_exports_keep_the_payloads_literal(client, hostile):
    check_text(body(client.get("/api/v1/exports/csv/?departement=35")), hostile,
               expect=(EVAL, DEBUG, STRUCTURE, ADDRESS, hostile["ssti"]))
    check_text(body(client.get("/api/v1/exports/geojson/?departement=35")), hostile, expect=(EVAL,))
    response = client.get("/api/v1/exports/xlsx/?departement=35")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                     if response.streaming else response.content)).worksheets[0]
    cells = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    check_text(cells, hostile, expect=(EVAL, DEBUG, STRUCTURE, ADDRESS))


def test_admin_pages_show_the_payloads_as_text(admin_client, hostile):
    pk = hostile["ids"][EVAL]
    changelist = body(admin_client.get(reverse("admin:dispositifs_dispositif_changelist")))
    check_text(html.unescape(changelist), hostile, expect=(EVAL, DEBUG))
    change = body(admin_client.get(reverse("admin:dispositifs_dispositif_change", args=[pk])))
    check_text(html.unescape(change), hostile, expect=(EVAL, STRUCTURE))


def test_api_json_returns_the_payloads_as_strings(client, hostile):
    listing = json.loads(body(client.get("/api/v1/dispositifs/?departement=35")))
    text = json.dumps(listing, ensure_ascii=False)
    check_text(text, hostile, expect=(EVAL, DEBUG, hostile["ssti"]))
    search = json.loads(body(client.get("/api/v1/recherche/?commune=35238")))
    check_text(json.dumps(search, ensure_ascii=False), hostile, expect=(EVAL, DEBUG))
