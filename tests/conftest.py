"""Every test runs on the real PostGIS of the project's own cluster (scripts/db.sh).

The test database gets the whole geography of France and the theme vocabulary once per session:
territoires are reference data, not test data, and loading them takes a few seconds.
"""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from dispositifs.themes import load_themes
    from territoires.loader import load_territoires

    with django_db_blocker.unblock():
        load_territoires()
        load_themes()


def _reload_reference_data():
    from django.db import connection

    from dispositifs.themes import load_themes
    from territoires.loader import load_territoires

    load_territoires()
    load_themes()
    with connection.cursor() as cursor:  # procrastinate's tables are not Django-managed: flush skips them
        cursor.execute("TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
                       "procrastinate_workers CASCADE")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (`django_db(transaction=True)`, `transactional_db`, `job_worker`) ends with
    a flush that empties every table, territoires and themes included: load them again (~5 s), and
    empty the job queue."""
    result = yield
    from django.db import connection

    if nextitem is None or not connection.settings_dict["NAME"].startswith("test_"):
        return result  # the session is over: the test database is already gone
    marker = item.get_closest_marker("django_db")
    if "transactional_db" in getattr(item, "fixturenames", ()) or (marker and marker.kwargs.get("transaction")):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _reload_reference_data()
    return result


@pytest.fixture
def job_worker(transactional_db, tmp_path, settings):
    """The real job runner (`manage.py procrastinate worker`) in a subprocess on the test database,
    with MAPS_DIR in tmp_path; `job_worker.wait_for(job_id)`, `job_worker.wait_until_idle()`."""
    from .job_worker import Worker

    settings.MAPS_DIR = tmp_path / "cartes"
    worker = Worker(tmp_path / "worker.log").start()
    yield worker
    worker.stop()
