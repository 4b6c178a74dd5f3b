"""render_maps on the small hand-built case: the files exist, the HTML holds the expected layers
and numbers, the PNGs decode at the expected size."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from maps.render_png import DEPARTEMENT_SIZE, DPI, FRANCE_SIZE

from .maps_cases import build_small_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered(tmp_path):
    build_small_case()
    out = tmp_path / "cartes"
    stdout = io.StringIO()
    call_command("render_maps", "--out", str(out), "--departement", "35", "--no-tiles", stdout=stdout,
                 stderr=io.StringIO())
    return out, stdout.getvalue()


def map_data(html):
    """The map's data block: every value the page shows (maps/render_html.py)."""
    return json.loads(re.search(r'<script id="annuaire-carte" type="application/json">(.*?)</script>', html,
                                re.S).group(1))


def geojson_features(html):
    """The département/commune features drawn by the map's script."""
    return map_data(html)["polygons"]["features"]


def control_config(html):
    return map_data(html)


def test_render_maps_writes_the_four_files(rendered):
    out, stdout = rendered
    names = sorted(p.name for p in out.iterdir())
    assert names == ["departement-35.html", "departement-35.png", "france-densite.html", "france-densite.png"]
    assert "4 cartes écrites" in stdout


def test_france_html_has_choropleth_indicators_and_overseas_box(rendered):
    out, _ = rendered
    html = (out / "france-densite.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 1_500_000
    assert "leaflet" in html.lower()
    features = geojson_features(html)
    assert len(features) == 101
    props = {f["properties"]["code"]: f["properties"] for f in features}
    assert props["35"]["actions"] == 3 and props["22"]["actions"] == 1 and props["75"]["actions"] == 0
    assert props["35"]["t"]["lecture-ecriture-calcul"] == 2
    # The indicators offered: counts (seed classes), per 100,000, one per theme present.
    cfg = control_config(html)
    labels = [ind["label"] for ind in cfg["indicators"]]
    assert labels[:2] == ["Actions locales", "Pour 100 000 habitants"]
    assert "Thème : Santé" in labels and "Thème : Lecture, écriture et calcul" in labels
    assert cfg["indicators"][0]["breaks"] == [2, 3, 6, 14, 25, 49, 82]
    assert cfg["indicators"][0]["labels"][0] == "< 2" and cfg["indicators"][0]["labels"][-1] == "≥ 82"
    assert "Outre-mer" in html
    assert [i["nom"] for i in cfg["insets"]] == ["Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"]
    assert "tile.openstreetmap.org" not in html  # --no-tiles


def test_departement_html_has_communes_lieux_cluster_contour_and_coverage(rendered):
    out, _ = rendered
    html = (out / "departement-35.html").read_text(encoding="utf-8")
    features = geojson_features(html)
    communes = {f["properties"]["code"]: f["properties"] for f in features if "sur_place" in f.get("properties", {})}
    assert communes["35238"]["sur_place"] == 2 and communes["35238"]["actions"] == 3
    assert len(communes) > 300
    assert "markerClusterGroup" in html and "L.MarkerClusterGroup=" in html.replace(" ", "")  # embedded, clustered
    data = map_data(html)
    assert sorted(row[4] for row in data["lieux"]) == ["Action A", "Action F"]  # B national and D draft left out
    assert data["outlineName"] == "Contour du département" and data["lieuxName"] == "Lieux (2)"
    assert data["couverture"]["total"] == 2 and "actions couvrent tout le département" in html
    assert {(a["t"], a["niveau"]) for a in data["couverture"]["actions"]} == {("Action C", "région"),
                                                                             ("Action F", "département")}
    assert control_config(html)["indicators"][0]["labels"][:3] == ["0", "1", "2 – 3"]


def test_pngs_decode_with_the_expected_size(rendered):
    out, _ = rendered
    with Image.open(out / "france-densite.png") as img:
        assert img.format == "PNG"
        assert img.size == (FRANCE_SIZE[0] * DPI, FRANCE_SIZE[1] * DPI)
        img.load()
    with Image.open(out / "departement-35.png") as img:
        assert img.size == (DEPARTEMENT_SIZE[0] * DPI, DEPARTEMENT_SIZE[1] * DPI)
        # The Rennes commune is coloured (2 actions sur place): the map is not a blank canvas.
        assert len(img.convert("RGB").getcolors(maxcolors=1_000_000)) > 20


def test_theme_option_and_tiles_from_settings(tmp_path, settings):
    build_small_case()
    settings.TILES_URL = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"
    call_command("render_maps", "--out", str(tmp_path), "--theme", "sante", "--no-png", stdout=io.StringIO(),
                 stderr=io.StringIO())
    html = (tmp_path / "france-densite--sante.html").read_text(encoding="utf-8")
    assert "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png" in html
    props = {f["properties"]["code"]: f["properties"] for f in geojson_features(html)}
    assert props["35"]["actions"] == 1 and props["69"]["actions"] == 1  # C and E are the santé actions


def test_unknown_departement_or_theme_fails_cleanly(tmp_path):
    with pytest.raises(CommandError, match="département inconnu"):
        call_command("render_maps", "--out", str(tmp_path), "--departement", "999", stderr=io.StringIO())
    with pytest.raises(CommandError, match="thème inconnu"):
        call_command("render_maps", "--out", str(tmp_path), "--theme", "cuisine", stderr=io.StringIO())
