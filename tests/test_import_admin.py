"""Import runs are visible in the admin, with their report, and cannot be edited there."""

import pytest
from django.urls import reverse

from imports.models import GeocodeCache, ImportRun
from imports.services import import_file
from tests.import_files import ROWS, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(tmp_path):
    rows = [*ROWS, ["", "Sans titre", "FLE", "", "", "Dijon", "", "", ""]]
    return import_file(write_csv(tmp_path / "ddets.csv", rows), source="ddets-21").run


def test_import_runs_listed_with_counts(admin_client, run):
    response = admin_client.get(reverse("admin:imports_importrun_changelist"))
    assert response.status_code == 200
    assert b"ddets.csv" in response.content and b"ddets-21" in response.content


def test_import_run_page_shows_the_report_read_only(admin_client, run):
    response = admin_client.get(reverse("admin:imports_importrun_change", args=[run.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "intitulé manquant : chaque action doit avoir un intitulé" in content
    assert "<td>5</td>" in content  # the spreadsheet line of the rejected row
    assert 'name="_save"' not in content  # no save button: read-only


def test_no_add_and_no_edit(admin_client, run):
    assert admin_client.get(reverse("admin:imports_importrun_add")).status_code == 403
    response = admin_client.post(reverse("admin:imports_importrun_change", args=[run.pk]), {"source": "x"})
    assert response.status_code == 403
    assert ImportRun.objects.get(pk=run.pk).source == "ddets-21"


def test_geocode_cache_listed(admin_client):
    GeocodeCache.objects.create(query="12 rue de la republique 69002 lyon", found=True, kind="housenumber")
    response = admin_client.get(reverse("admin:imports_geocodecache_changelist"))
    assert response.status_code == 200 and b"12 rue de la republique" in response.content
