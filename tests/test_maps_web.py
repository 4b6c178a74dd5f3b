"""/cartes/: the maps page, on-demand map files, and the links on the département page."""

import os
import time

import pytest
from django.db import connection

from maps import stored

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
    assert "sans connexion internet" in html and "CDN" not in html


def test_the_departement_form_goes_to_its_map_without_script(client, maps_dir):
    response = client.get("/cartes/departement/?code=2A")
    assert response.status_code == 302 and response["Location"] == "/cartes/departement-2A.html"
    assert client.get("/cartes/departement/?code=999").status_code == 404


def test_a_missing_map_is_queued_once_and_answered_202_then_served_from_disk(client, maps_dir):
    build_small_case()
    for _ in range(3):  # a crowd asking for the same missing map makes one job
        response = client.get("/cartes/departement-35.html")
        assert response.status_code == 202 and response["Retry-After"] == "5"
        assert "Carte en préparation" in response.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT args->>'name' FROM procrastinate_jobs WHERE task_name = 'maps.render_map'")
        assert cursor.fetchall() == [("departement-35.html",)]
    stored.render_map_file("departement-35.html")  # what the job does
    response = client.get("/cartes/departement-35.html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "markerClusterGroup" in b"".join(response.streaming_content).decode()
    listing = client.get("/cartes/").content.decode()
    assert "departement-35.html" in listing


def test_a_stale_map_is_served_while_a_fresh_one_is_queued(client, maps_dir, settings):
    settings.MAPS_MAX_AGE = 60
    stored.render_map_file("france-densite.png")
    path = maps_dir / "france-densite.png"
    old = time.time() - 3600
    os.utime(path, (old, old))
    response = client.get("/cartes/france-densite.png")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_mtime == old  # not rendered in the request
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE queueing_lock = 'carte:france-densite.png'")
        assert cursor.fetchone()[0] == 1


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
