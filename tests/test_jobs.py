"""The job runner: a real `procrastinate worker` on the test database runs the maps tasks, the
periodic refresh is scheduled, and queuing the same work twice makes one job."""

from django.test import Client
from procrastinate.contrib.django import app

from annuaire.jobs import defer_once
from maps import stored, tasks

from .maps_cases import build_small_case


def test_a_real_worker_renders_a_queued_map(job_worker):
    build_small_case()
    job_id = tasks.render_map.defer(name="departement-35.png")
    assert job_worker.wait_for(job_id) == "succeeded"
    png = stored.maps_dir() / "departement-35.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "markerClusterGroup" in (stored.maps_dir() / "departement-35.html").read_text()  # the twin


def test_periodic_refresh_is_scheduled_and_redoes_only_what_changed(job_worker):
    periodic = {p.periodic_id: p for p in app.periodic_registry.periodic_tasks.values()}
    assert periodic["maps-refresh"].cron == "*/10 * * * *"
    action = build_small_case()["A"]
    assert job_worker.wait_for(tasks.refresh_stored.defer()) == "succeeded"
    france = stored.maps_dir() / "france-densite.html"
    report = stored.couverture_paths(theme=stored.DEFAULT_COUVERTURE_THEME, km=10.0, departement=None)["json"]
    assert france.exists() and report.exists() and stored.recorded_stamp() == stored.data_stamp()
    before = (france.stat().st_mtime_ns, report.stat().st_mtime_ns)
    assert job_worker.wait_for(tasks.refresh_stored.defer()) == "succeeded"
    assert (france.stat().st_mtime_ns, report.stat().st_mtime_ns) == before  # nothing changed: nothing redone
    action.title = "Action A, nouvel intitulé"
    action.save()  # the data stamp moves: everything is redone
    assert job_worker.wait_for(tasks.refresh_stored.defer()) == "succeeded"
    assert france.stat().st_mtime_ns > before[0] and report.stat().st_mtime_ns > before[1]


def test_the_same_work_queued_twice_is_one_job(transactional_db):
    assert defer_once(tasks.render_map, lock="carte:france-densite.html", name="france-densite.html")
    assert not defer_once(tasks.render_map, lock="carte:france-densite.html", name="france-densite.html")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE queueing_lock = 'carte:france-densite.html'")
        assert cursor.fetchone()[0] == 1
        # the worker takes it (as procrastinate_fetch_job does): a request now still makes no second job
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE queueing_lock = %s",
                       ["carte:france-densite.html"])
    assert not defer_once(tasks.render_map, lock="carte:france-densite.html", name="france-densite.html")
    assert tasks.queue_refresh() and not tasks.queue_refresh()  # what an import calls: one refresh waits



def test_a_job_someone_waits_for_goes_before_the_periodic_refresh(transactional_db, tmp_path, settings):
    from django.db import connection

    from .job_worker import Worker

    settings.MAPS_DIR = tmp_path / "cartes"
    build_small_case()
    refresh = tasks.refresh_stored.defer()  # queued first, nobody waits for it
    asked = tasks.render_map.defer(name="departement-35.png")  # a visitor's map
    worker = Worker(tmp_path / "worker.log").start(queues=["maps"])
    try:
        assert worker.wait_for(refresh) == "succeeded" and worker.wait_for(asked) == "succeeded"
    finally:
        worker.stop()
    with connection.cursor() as cursor:
        cursor.execute("SELECT job_id FROM procrastinate_events WHERE type = 'started' ORDER BY at, id")
        assert [row[0] for row in cursor.fetchall()] == [asked, refresh]


def test_the_daily_job_keeps_only_the_newest_search_generation(job_worker):
    """Every write statement adds a generation row and the search reads only the newest: a real worker
    runs the daily prune, and the search answers the same generation after it."""
    from django.db import connection

    from dispositifs import tasks as dispositifs_tasks

    periodic = {p.periodic_id: p for p in app.periodic_registry.periodic_tasks.values()}
    assert periodic["recherche-generations"].task.name == "dispositifs.prune_generations"
    from dispositifs.side_tables import RechercheNationale

    action = build_small_case()["A"]
    search = {"commune": "35238", "national": "true"}
    client = Client()
    client.get("/api/v1/recherche/", search)   # a national slice kept for this generation...
    for n in range(3):
        action.title = f"Action A, version {n}"
        action.save()  # each write statement adds a generation row
    client.get("/api/v1/recherche/", {**search, "theme": "se-former"})   # ...and one for the newest
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM dispositifs_recherche_generation")
        count, newest = cursor.fetchone()
    assert count > 1 and RechercheNationale.objects.count() == 2
    assert job_worker.wait_for(dispositifs_tasks.prune_generations_daily.defer()) == "succeeded"
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(id) FROM dispositifs_recherche_generation")
        assert cursor.fetchone()[0] == [newest]
    assert list(RechercheNationale.objects.values_list("generation", flat=True)) == [newest]
