"""National exports are files the job runner writes ahead; a request serves them, never computes them
(issue #10: at most ~2 s of request work). Runs the real worker (`manage.py procrastinate worker`)."""

import csv
import io
import json
import os

import pytest
from django.db import connection

from maps.exports import stored

from .maps_cases import build_small_case


@pytest.fixture
def exports_dir(tmp_path, settings):
    settings.EXPORTS_DIR = tmp_path / "exports"
    os.environ["ANNUAIRE_EXPORTS_DIR"] = str(settings.EXPORTS_DIR)  # the worker subprocess reads it
    yield settings.EXPORTS_DIR
    os.environ.pop("ANNUAIRE_EXPORTS_DIR", None)


def queued_exports() -> list[tuple]:
    """The refresh jobs requests queued (periodic runs, every 15 minutes, carry a timestamp)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, status FROM procrastinate_jobs WHERE task_name = 'maps.exports.refresh_national' "
                       "AND NOT args ? 'timestamp' ORDER BY id")
        return cursor.fetchall()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db(transaction=True)
def test_missing_national_export_is_queued_then_served_from_the_file(exports_dir, client, job_worker):
    build_small_case()
    first = client.get("/api/v1/exports/csv/?all=1")
    assert first.status_code == 202 and first["Retry-After"] == "60"
    assert "en préparation" in first.json()["detail"]
    again = client.get("/api/v1/exports/geojson/?all=1")
    assert again.status_code == 202
    jobs = queued_exports()
    assert len(jobs) == 1  # a crowd of requests makes one job (queueing lock)

    assert job_worker.wait_for(jobs[0][0]) == "succeeded"
    served = client.get("/api/v1/exports/csv/?all=1")
    assert served.status_code == 200
    assert 'filename="dispositifs-france.csv"' in served["Content-Disposition"]
    assert "Licence Ouverte" in served["X-Attribution"] and served["X-Export-Date"] and served["X-Export-Count"] == "5"
    rows = list(csv.DictReader(io.StringIO(body(served).decode("utf-8")[1:]), delimiter=";"))
    assert sorted(r["Identifiant"] for r in rows) == ["A", "B", "C", "E", "F"]  # national included
    geo = client.get("/api/v1/exports/geojson/?all=1")
    assert geo.status_code == 200 and len(json.loads(body(geo))["features"]) == 5
    for fmt in ("xlsx", "datainclusion"):
        assert client.get(f"/api/v1/exports/{fmt}/?all=1").status_code == 200
    assert len(queued_exports()) == 1  # fresh files: nothing queued again


@pytest.mark.django_db
def test_stale_file_is_served_while_a_refresh_is_queued(exports_dir, client):
    case = build_small_case()
    stored.refresh_national(formats=["csv"])
    info = stored.stored_info("csv")
    assert info["count"] == 5 and stored.is_fresh("csv", stamp=stored.data_stamp())

    draft = case["D"]
    draft.status = "publie"
    draft.save()  # the data changed since (save() moves updated_at, which the fingerprint reads)
    assert not stored.is_fresh("csv", stamp=stored.data_stamp())
    response = client.get("/api/v1/exports/csv/?all=1")
    assert response.status_code == 200 and response["X-Export-Count"] == "5"  # the stored file, as it is
    assert response["X-Export-Date"] == info["date"]
    assert [status for _id, status in queued_exports()] == ["todo"]

    assert stored.refresh_national(formats=["csv"]) == ["csv"]
    assert stored.stored_info("csv")["count"] == 6
    assert stored.refresh_national(formats=["csv"]) == []  # unchanged data: nothing redone


@pytest.mark.django_db
def test_territory_exports_stream_from_copy(client):
    build_small_case()
    response = client.get("/api/v1/exports/csv/?departement=35")
    assert response.status_code == 200 and response.streaming
    assert "X-Export-Count" not in response  # counted only once streamed
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeffIdentifiant;") and text.count("\n") == 4


@pytest.mark.django_db
def test_a_lieu_moved_outside_the_orm_makes_the_stored_files_stale(exports_dir):
    """A lieu's point written by SQL alone (no updated_at, no count changes): the stamp still moves."""
    from django.db import connection

    build_small_case()
    stored.refresh_national(formats=["csv"])
    assert stored.is_fresh("csv", stamp=stored.data_stamp())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE dispositifs_lieu SET point = ST_SetSRID(ST_MakePoint(-1.6, 48.1), 4326)::geography "
                       "WHERE id = (SELECT min(id) FROM dispositifs_lieu)")
    assert not stored.is_fresh("csv", stamp=stored.data_stamp())
