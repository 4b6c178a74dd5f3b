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


REFERENCE_TABLES_PREFIX = "territoires_"  # France's geography: never written by a test, kept by the flush


def _reload_reference_data():
    from django.db import connection

    from dispositifs.themes import load_themes

    load_themes()
    with connection.cursor() as cursor:  # procrastinate's tables are not Django-managed: flush skips them
        cursor.execute("TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
                       "procrastinate_workers CASCADE")


def _tables_to_flush(introspection):
    """Django's flush empties every table; the territoires stay (no test writes them, and loading France
    again takes seconds per transactional test)."""
    every_table = introspection.django_table_names

    def django_table_names(*args, **kwargs):
        return [t for t in every_table(*args, **kwargs) if not t.startswith(REFERENCE_TABLES_PREFIX)]

    return django_table_names


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (`django_db(transaction=True)`, `transactional_db`, `job_worker`) ends with
    a flush that empties every table but the territoires: load the themes again and empty the job queue."""
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    marker = item.get_closest_marker("django_db")
    transactional = ("transactional_db" in getattr(item, "fixturenames", ())
                     or bool(marker and marker.kwargs.get("transaction")))
    if transactional:
        # The flush TRUNCATEs the search side tables along with their base tables, whose ON TRUNCATE
        # trigger would refill them in the same statement ("being used by active queries"): no
        # triggers during the flush (this session only; the connection is closed right after it).
        with item.config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        connection.introspection.django_table_names = _tables_to_flush(connection.introspection)
    try:
        result = yield
    finally:
        connection.introspection.__dict__.pop("django_table_names", None)
    if nextitem is None or not connection.settings_dict["NAME"].startswith("test_"):
        return result  # the session is over: the test database is already gone
    if transactional:
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


@pytest.fixture(autouse=True)
def _each_test_starts_in_french():
    """A request through the test client leaves its language active in the thread (LocaleMiddleware does
    not undo it): without this, a test's outcome would depend on the language of the one before it."""
    yield
    from django.utils import translation

    translation.activate("fr")
