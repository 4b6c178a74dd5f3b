"""The PostGIS backend, with a health check that costs no round trip when nothing happened.

Django's check (`conn_health_checks`) runs `SELECT 1` before the first query of every request: a round
trip per search. A server that ends an idle connection (restart, administrator, idle timeout) first
sends its FATAL notice, which makes the socket readable; so an idle connection with nothing to read is
taken as usable, and only one with something waiting gets the real `SELECT 1`. A server that hangs
without a word is the request deadline's business (annuaire/dbguard.py), as it was with `SELECT 1`.
"""

import select

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper


class DatabaseWrapper(PostGISDatabaseWrapper):
    def is_usable(self):
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return super().is_usable() if readable else True
