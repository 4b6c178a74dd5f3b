"""/cartes/: the maps page, on-demand map files, and the links on the département page."""

import os
import time

import pytest

from .maps_cases import build_small_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def maps_dir(tmp_path, settings):
    settings.MAPS_DIR = tmp_path / "cartes"
    settings.TILES_URL = ""
    return settings.MAPS_DIR


def test_cartes_page_lists_france_departements_and_exports(client, maps_dir):
    response = client.get("/cartes/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/cartes/france-densite.html"' in html and 'href="/cartes/france-densite.png"' in html
    assert 'href="/cartes/departement-2A.html"' in html and "/api/v1/exports/geojson/?departement=974" in html
    assert "CDN" in html


def test_map_files_are_rendered_on_demand_then_served_from_disk(client, maps_dir):
    build_small_case()
    response = client.get("/cartes/departement-35.html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    body = b"".join(response.streaming_content).decode()
    assert "markerClusterGroup" in body
    path = maps_dir / "departement-35.html"
    assert path.exists()
    mtime = path.stat().st_mtime
    time.sleep(0.01)
    client.get("/cartes/departement-35.html")
    assert path.stat().st_mtime == mtime  # fresh: served, not re-rendered
    png = client.get("/cartes/france-densite.png")
    assert png["Content-Type"] == "image/png" and b"".join(png.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    listing = client.get("/cartes/").content.decode()
    assert "departement-35.html" in listing and "france-densite.png" in listing


def test_stale_map_is_rendered_again(client, maps_dir, settings):
    settings.MAPS_MAX_AGE = 60
    client.get("/cartes/france-densite.html")
    path = maps_dir / "france-densite.html"
    old = time.time() - 3600
    os.utime(path, (old, old))
    client.get("/cartes/france-densite.html")
    assert path.stat().st_mtime > old + 1000


@pytest.mark.parametrize("name", ["departement-999.html", "departement-35.pdf", "..%2Fsettings.py",
                                  "france-densite--cuisine.html", "autre.html"])
def test_unknown_map_names_are_404(client, maps_dir, name):
    assert client.get(f"/cartes/{name}").status_code == 404
    assert not maps_dir.exists() or not any(p.suffix == ".py" for p in maps_dir.iterdir())


def test_departement_page_links_to_maps_and_exports(client, maps_dir):
    response = client.get("/territoires/departements/35/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/cartes/departement-35.html"' in html
    assert "/api/v1/exports/geojson/?departement=35" in html and "/api/v1/exports/xlsx/?departement=35" in html
