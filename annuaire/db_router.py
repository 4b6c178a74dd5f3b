"""Reads on PostgreSQL streaming replicas, writes and a writer's own reads on the primary.

`DATABASE_REPLICA_URLS` (comma-separated) adds the aliases `replica1`, `replica2`… (settings.py);
with none, every query goes to `default` and nothing here changes anything.

Who reads where (docs/ARCHITECTURE.md, "Scaling"):
- writes always go to the primary (`default`); migrations run there only (a replica is a copy);
- a web request reads from a replica only when nothing ties it to fresh data: a safe method
  (GET/HEAD/OPTIONS), no session cookie (editors and administrators read their own work from
  the primary), no recent write by this client (`annuaire_primary` cookie, set for
  REPLICA_PIN_SECONDS after any request that wrote or used an unsafe method: replication lag is
  well under a second, the window covers it), and no write earlier in the same request;
- inside a transaction on the primary, reads stay there (they may need its uncommitted rows);
- the shared cache (rate-limit counters, search slices), sessions, django-axes and the job queue
  are read and written on the primary: counters and locks must not read a stale copy;
- outside a web request (commands, the job worker, tests) everything stays on the primary.

Raw SQL readers must ask too: `read_connection()` is the connection a read should use.
"""

import contextvars
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

PIN_COOKIE = "annuaire_primary"
PRIMARY_ONLY_APPS = {"django_cache", "sessions", "axes", "procrastinate", "contenttypes", "auth", "admin"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class _Request:
    replica_ok: bool
    wrote: bool = False


_state: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("annuaire_db_request", default=None)


def replicas() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def read_alias(app_label: str = "") -> str:
    """The alias a read should use now (see the module docstring)."""
    state = _state.get()
    aliases = replicas()
    if (not aliases or state is None or not state.replica_ok or state.wrote or app_label in PRIMARY_ONLY_APPS
            or connections["default"].in_atomic_block):
        return "default"
    return random.choice(aliases)


def read_connection():
    """The connection a raw SQL read should use (the ORM asks the router by itself)."""
    return connections[read_alias()]


class ReplicaRouter:
    """Inert (no opinion, Django's defaults) when no replica is configured."""

    def db_for_read(self, model, **hints):
        return read_alias(model._meta.app_label) if replicas() else None

    def db_for_write(self, model, **hints):
        if not replicas():
            return None
        state = _state.get()
        if state is not None:
            state.wrote = True  # the rest of this request reads its own write on the primary
        return "default"  # also for an instance read from a replica: a replica cannot be written

    def allow_relation(self, obj1, obj2, **hints):
        return True if replicas() else None  # replicas are copies of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db in replicas() else None


class ReplicaPinMiddleware:
    """Decides per request whether reads may go to a replica, and pins a client that wrote to the
    primary for REPLICA_PIN_SECONDS with a cookie (so its next pages show what it just wrote)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        unsafe = request.method not in SAFE_METHODS
        replica_ok = (bool(replicas()) and not unsafe and PIN_COOKIE not in request.COOKIES
                      and settings.SESSION_COOKIE_NAME not in request.COOKIES)
        state = _Request(replica_ok=replica_ok)
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if replicas() and (unsafe or state.wrote):
            response.set_cookie(PIN_COOKIE, "1", max_age=int(getattr(settings, "REPLICA_PIN_SECONDS", 10)),
                                httponly=True, samesite="Lax", secure=request.is_secure())
        return response
