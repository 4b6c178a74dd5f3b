"""GET /healthz: 200 when PostgreSQL answers `SELECT 1` within settings.HEALTH_TIMEOUT (under 1 s), else 503.

The probe opens its own short connection in a side thread: the request's persistent connection may be
the one that hangs, and libpq cannot wait less than 2 s for a connection. The request waits for the
thread at most HEALTH_TIMEOUT; a probe left behind ends by itself (connect timeout, then the watchdog).
Checks that arrive while a probe runs share its answer instead of starting their own (a monitor and a
load balancer asking at once both get the truth, and a hung database does not pile threads up): they
wait for it until HEALTH_TIMEOUT after it started, so a stuck probe makes them answer 503 at once.
"""

import threading
import time

import psycopg
from django.conf import settings
from django.db import connections
from django.http import JsonResponse

from annuaire.dbguard import watchdog

_lock = threading.Lock()
_current: "_Probe | None" = None
STALE_S = 10.0
# Connection keywords Django builds that are not libpq's.
_NOT_LIBPQ = {"cursor_factory", "context", "prepare_threshold", "server_side_binding", "pool", "assume_role",
              "isolation_level"}


def _conninfo(alias: str = "default") -> dict:
    params = connections[alias].get_connection_params()
    params = {k: v for k, v in params.items() if k not in _NOT_LIBPQ and v not in (None, "")}
    timeout_ms = int(settings.HEALTH_TIMEOUT * 1000)
    params.update(connect_timeout=2, options=f"-c statement_timeout={timeout_ms}",
                  application_name="annuaire-healthz")
    return params


class _Probe:
    """One `SELECT 1` on a connection of its own, in a side thread; every check that arrives meanwhile waits
    for this one."""

    def __init__(self, params: dict):
        self.started, self.done, self.outcome = time.monotonic(), threading.Event(), {}
        threading.Thread(target=self._run, args=(params,), name="healthz", daemon=True).start()

    def _run(self, params: dict) -> None:
        try:
            with psycopg.connect(**params, autocommit=True) as conn:
                token = watchdog.arm(settings.HEALTH_TIMEOUT + 1, [lambda: conn])
                try:
                    conn.execute("SELECT 1").fetchone()
                finally:
                    watchdog.disarm(token)
            self.outcome["ok"] = True
        except Exception as exc:  # noqa: BLE001 (any failure is the answer)
            self.outcome["error"] = exc.__class__.__name__
        finally:
            self.done.set()


def _shared_probe() -> _Probe:
    global _current
    with _lock:
        # A probe ends by itself within ~HEALTH_TIMEOUT + 3 s (connect timeout, watchdog); one older than
        # STALE_S is not trusted to ever answer.
        if _current is None or _current.done.is_set() or time.monotonic() - _current.started > STALE_S:
            _current = _Probe(_conninfo())
        return _current


def check_database(timeout: float) -> tuple[bool, str]:
    """(ok, French detail), from the probe running now or a new one."""
    probe = _shared_probe()
    probe.done.wait(max(0.0, probe.started + timeout - time.monotonic()))
    if probe.outcome.get("ok"):
        return True, f"base de données joignable en {(time.monotonic() - probe.started) * 1000:.0f} ms"
    if "error" in probe.outcome:
        return False, f"la base de données refuse la connexion ({probe.outcome['error']})"
    return False, f"la base de données ne répond pas en moins de {timeout:g} s"


def healthz(request):
    ok, detail = check_database(settings.HEALTH_TIMEOUT)
    response = JsonResponse({"status": "ok" if ok else "erreur", "detail": detail}, status=200 if ok else 503,
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response
