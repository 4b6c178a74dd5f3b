"""The database backend's health check (annuaire/postgis/base.py): an idle connection the server left
alone is usable without a `SELECT 1` round trip; one the server ended is not, and the next request's
connection is a new one."""

import time

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_an_idle_connection_is_usable_without_a_round_trip(monkeypatch):
    _backend_pid()
    sent, cursor = [], type(connection.connection).cursor
    monkeypatch.setattr(type(connection.connection), "cursor",
                        lambda self, *a, **k: sent.append(1) or cursor(self, *a, **k))
    assert connection.is_usable() and sent == []


def test_a_connection_the_server_ended_is_not_usable_and_is_replaced():
    pid = _backend_pid()
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"], user=settings["USER"],
                         dbname=settings["NAME"], password=settings["PASSWORD"] or None, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:  # the FATAL notice is on its way
        time.sleep(0.05)
    assert not connection.is_usable()
    connection.close_if_unusable_or_obsolete()  # what Django does when a request starts
    assert _backend_pid() != pid  # the first query checked the connection and opened a new one
