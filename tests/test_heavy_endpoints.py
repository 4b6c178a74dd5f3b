"""Heavy work is bounded and out of the request path (issue #10): a national couverture is never
computed in a request (it took 12-22 s and 22 MB), it is queued for the job runner and served from
storage; heavy anonymous endpoints are rate-limited per client on the shared cache."""

import json
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import FileResponse

from maps import stored
from maps.api import couverture

from .maps_cases import FLE, build_small_case

URL = f"/api/v1/couverture/?theme={FLE}&format=geojson"


def read(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_national_couverture_is_queued_then_served_from_storage(client, job_worker):
    build_small_case()
    response = client.get(URL)  # answered at once: the request only queues
    assert response.status_code == 202 and response["Retry-After"] == "30"
    assert "en préparation" in response.json()["detail"] and response.json()["etat"] == "en_preparation"
    assert client.get(URL).status_code == 202  # asked again: still the one job
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM procrastinate_jobs WHERE task_name = 'maps.compute_couverture'")
        jobs = cursor.fetchall()
    assert len(jobs) == 1
    assert job_worker.wait_for(jobs[0][0], timeout=120) == "succeeded"
    response = client.get(URL)
    assert response.status_code == 200 and isinstance(response, FileResponse)  # the stored file, not computed
    data = json.loads(read(response))
    assert data["metadata"]["territoire"] == "France" and data["metadata"]["communes_total"] > 34000
    assert len(data["features"]) == data["metadata"]["communes_hors_portee"]


@pytest.mark.django_db
def test_national_couverture_at_another_distance_is_a_clear_400(client):
    response = client.get(f"/api/v1/couverture/?theme={FLE}&km=7")
    assert response.status_code == 400 and response.json()["parametre"] == "km"
    assert "indiquez un département" in response.json()["detail"]


@pytest.mark.django_db
def test_a_departement_report_over_budget_goes_to_the_job_runner(client, settings, tmp_path, monkeypatch):
    settings.MAPS_DIR = tmp_path
    build_small_case()
    monkeypatch.setattr(couverture, "COMPUTE_BUDGET_MS", 1)
    response = client.get(f"/api/v1/couverture/?theme={FLE}&departement=35")
    assert response.status_code == 202 and "département 35" in response.json()["detail"]
    assert not any(stored.couverture_dir().glob("*.json")) if stored.couverture_dir().exists() else True
    with connection.cursor() as cursor:
        cursor.execute("SELECT args->>'departement' FROM procrastinate_jobs "
                       "WHERE task_name = 'maps.compute_couverture'")
        assert cursor.fetchall() == [("35",)]


@pytest.mark.django_db
def test_heavy_endpoints_are_rate_limited_per_client(client, settings, tmp_path):
    settings.HEAVY_RATE = "3/m"
    settings.MAPS_DIR = tmp_path
    url = "/api/v1/densite/departements/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Trop de demandes" in refused.json()["detail"]
    # One budget for every heavy endpoint; another client keeps its own.
    assert client.get(f"/api/v1/couverture/?theme={FLE}&departement=35").status_code == 429
    page = client.get("/cartes/france-densite.html")
    assert page.status_code == 429 and "Trop de demandes" in page.content.decode()
    assert client.get(url, REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/api/v1/territoires/departements/").status_code == 200  # light endpoints are not counted


def test_the_shared_cache_counts_concurrent_requests_exactly(transactional_db):
    """Two gunicorn workers counting the same client: DatabaseCache's own incr (read, then write)
    loses updates; the advisory lock of SharedDatabaseCache does not."""
    cache.set("compteur", 0)
    errors = []

    def bump():
        try:
            for _ in range(25):
                cache.incr("compteur")
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and cache.get("compteur") == 100


@pytest.mark.django_db
def test_a_client_over_the_rate_is_refused_without_touching_the_shared_cache(client, settings):
    """A client looping on the heavy endpoints: after the first refusal, the worker refuses it from
    memory (no transaction on the cache table per 429) until the window ends; others are still counted."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    settings.HEAVY_RATE = "2/m"
    url = "/api/v1/densite/departements/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    for path in (url, "/cartes/france-densite.html"):  # the early refusal (API) and the view's (pages)
        with CaptureQueriesContext(connections["default"]) as queries:
            again = client.get(path)
        assert again.status_code == 429 and int(again["Retry-After"]) >= 1
        assert not [q for q in queries.captured_queries if "annuaire_cache" in q["sql"]], path
    with CaptureQueriesContext(connections["default"]) as queries:
        assert client.get(url, REMOTE_ADDR="192.0.2.8").status_code == 200
    assert [q for q in queries.captured_queries if "annuaire_cache" in q["sql"]]


@pytest.mark.django_db
def test_a_refused_api_client_is_answered_before_the_rest_of_the_middleware(client, settings, monkeypatch):
    """The 429 of a client already refused comes from annuaire.limits.RefusedClientMiddleware: no session,
    language or view work, and still the security headers; a light endpoint stays open to it."""
    from django.middleware.common import CommonMiddleware

    settings.HEAVY_RATE = "1/m"
    url = "/api/v1/densite/departements/"
    assert [client.get(url).status_code for _ in range(2)] == [200, 429]

    def went_on(*args, **kwargs):
        raise AssertionError("the refused request went past the early refusal")

    monkeypatch.setattr(CommonMiddleware, "process_request", went_on)
    refused = client.get(url)
    assert refused.status_code == 429 and "Trop de demandes" in refused.json()["detail"]
    assert refused["X-Content-Type-Options"] == "nosniff" and int(refused["Retry-After"]) >= 1
    monkeypatch.undo()
    assert client.get("/api/v1/territoires/departements/").status_code == 200


@pytest.mark.django_db
def test_refusals_are_not_logged_one_by_one(client, settings, caplog):
    """settings.LOGGING drops the 429s from django.request (a looping client would write a line for each);
    other errors are still logged."""
    settings.HEAVY_RATE = "1/m"
    url = "/api/v1/densite/departements/"
    with caplog.at_level("WARNING", logger="django.request"):
        assert [client.get(url).status_code for _ in range(3)] == [200, 429, 429]
        assert client.get("/api/v1/dispositifs/999999/").status_code == 404
    logged = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert logged == ["Not Found: /api/v1/dispositifs/999999/"]


@pytest.mark.django_db
def test_a_refusal_page_is_rendered_once_and_stays_in_its_language(client, settings, monkeypatch):
    """A client looping on a map page gets the same refusal page ~100 times a second: rendered once per
    language, address and seconds left (annuaire/limits.py), the same bytes as a fresh render."""
    from django.shortcuts import render

    import annuaire.limits as limits

    settings.HEAVY_RATE = "1/m"
    page = "/cartes/france-densite.html"
    assert client.get("/api/v1/densite/departements/").status_code == 200
    first = client.get(page)
    assert first.status_code == 429 and first["Content-Type"] == "text/html; charset=utf-8"
    renders = []
    monkeypatch.setattr(limits, "render", lambda *args, **kwargs: renders.append(args) or render(*args, **kwargs))
    again = [client.get(page) for _ in range(3)]
    english = client.get(page, {"lang": "en"})
    assert [r.status_code for r in again] == [429] * 3 and english.status_code == 429
    same_second = [r for r in again if r["Retry-After"] == first["Retry-After"]]
    assert all(r.content == first.content for r in same_second)
    assert len(renders) <= 2 + (len(same_second) < 3)   # the English page, and a second that ticked over
    assert 'lang="en"' in english.content.decode() and english.content != first.content
