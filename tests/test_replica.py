"""Reads on a REAL streaming replica of the project's cluster (`scripts/db.sh replica`, port 5462 or
ANNUAIRE_REPLICA_PORT): committed writes show up there, the search runs there, and the router
keeps writes and a writer's own reads on the primary (annuaire/db_router.py)."""

import os
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from annuaire import db_router

from .maps_cases import build_small_case

ROOT = Path(__file__).resolve().parent.parent
REPLICA_PORT = os.environ.get("ANNUAIRE_REPLICA_PORT", "5462")
ALIAS = "replica1"


# Committed data only: the replica replays what the primary committed. The replica alias is a test
# MIRROR, so the end-of-test flush leaves it alone (it is read-only; it follows the primary's flush).
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", ALIAS])


@pytest.fixture(scope="session")
def replica_cluster(django_db_setup):
    """Start (or find running) the replica (the first start copies the cluster: pg_basebackup) and
    declare the test database as it serves it, under the alias a DATABASE_REPLICA_URLS entry gets."""
    run = subprocess.run(["bash", "scripts/db.sh", "replica", "start"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, env={**os.environ, "ANNUAIRE_REPLICA_PORT": REPLICA_PORT})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "in recovery=true" in run.stdout
    primary = connections["default"].settings_dict
    connections.settings[ALIAS] = {**primary, "PORT": REPLICA_PORT, "TEST": {**primary["TEST"], "MIRROR": "default"}}
    yield REPLICA_PORT
    connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


@pytest.fixture
def replica(replica_cluster, settings):
    settings.DATABASE_REPLICAS = [ALIAS]
    return connections[ALIAS]


def wait_for_replay(replica_connection, timeout: float = 30) -> None:
    """Until the replica has replayed everything the primary has written so far: up to the WAL insert
    position, which includes a commit not flushed yet (the national slice is written with synchronous_commit
    off; pg_current_wal_lsn() would stop short of it)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with replica_connection.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    raise AssertionError(f"the replica did not replay {target} within {timeout} s")


def test_replica_streams_committed_writes_and_refuses_writes(replica):
    build_small_case()
    wait_for_replay(replica)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), count(*) FROM dispositifs_dispositif")
        assert cursor.fetchone() == (True, 6)
    settings_dict = replica.settings_dict
    conninfo = {"host": settings_dict["HOST"] or "127.0.0.1", "port": settings_dict["PORT"],
                "user": settings_dict["USER"], "dbname": settings_dict["NAME"]}
    with psycopg.connect(**conninfo) as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("UPDATE dispositifs_dispositif SET title = 'x'")


def test_search_runs_on_the_replica(replica, client):
    """The whole search (the fast SQL of dispositifs/recherche.py) answered by the replica: the raw
    SQL reader takes the connection the router gives an anonymous GET (`recherche.read_connection`). The
    national slice is counted on the primary, which keeps it; once the replica has it, the replica alone
    answers."""
    build_small_case()
    wait_for_replay(replica)
    with CaptureQueriesContext(replica) as on_replica:
        response = client.get("/api/v1/recherche/?commune=35238&national=true")
    assert response.status_code == 200, response.content[:300]
    titles = {r["titre"] for r in response.json()["results"]}
    assert {"Action A", "Action B", "Action C", "Action F"} <= titles  # near, national, région, département
    assert "Action D" not in titles  # a draft
    assert any("recherche_locale" in q["sql"] for q in on_replica.captured_queries)
    wait_for_replay(replica)
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        again = client.get("/api/v1/recherche/?commune=35238&national=true")
    assert again.content == response.content
    assert any("recherche_locale" in q["sql"] for q in on_replica.captured_queries)
    on_primary_sql = [q["sql"] for q in on_primary.captured_queries]
    assert not any("dispositifs_" in sql or "recherche" in sql for sql in on_primary_sql), on_primary_sql


def test_anonymous_reads_go_to_the_replica_and_a_writer_reads_the_primary(replica, client):
    build_small_case()
    wait_for_replay(replica)
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get("/api/v1/dispositifs/?departement=35")
    assert response.status_code == 200 and b"Action A" in response.content
    assert on_replica.captured_queries  # the catalogue (ORM) read the replica
    assert not any("dispositifs_dispositif" in q["sql"] for q in on_primary.captured_queries)
    assert db_router.PIN_COOKIE not in response.cookies

    # A request that wrote (here a failed admin login, which django-axes records) pins this client to
    # the primary for REPLICA_PIN_SECONDS.
    posted = client.post("/admin/login/", {"username": "personne", "password": "mauvais"})
    assert posted.cookies[db_router.PIN_COOKIE]["max-age"] == 10
    with CaptureQueriesContext(replica) as on_replica:
        response = client.get("/api/v1/dispositifs/?departement=35")
    assert response.status_code == 200 and b"Action A" in response.content
    assert not on_replica.captured_queries

    # Outside a web request (commands, the job runner) and for the shared cache: the primary.
    assert db_router.read_alias() == "default"
    from django.core.cache.backends.db import DatabaseCache

    cache_model = DatabaseCache("annuaire_cache", {}).cache_model_class
    assert db_router.ReplicaRouter().db_for_read(cache_model) == "default"
