"""GET /healthz: 200 when PostgreSQL answers `SELECT 1` within settings.HEALTH_TIMEOUT (under 1 s), else 503.

The probe opens its own short connection in a side thread: the request's persistent connection may be
the one that hangs, and libpq cannot wait less than 2 s for a connection. The request waits for the
thread at most HEALTH_TIMEOUT; a probe left behind ends by itself (connect timeout, then the watchdog),
and while it runs the next checks answer 503 at once instead of piling threads up.
"""

import threading
import time

import psycopg
from django.conf import settings
from django.db import connections
from django.http import JsonResponse

from annuaire.dbguard import watchdog

_running = threading.Lock()
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


def _probe(params: dict, outcome: dict) -> None:
    try:
        with psycopg.connect(**params, autocommit=True) as conn:
            token = watchdog.arm(settings.HEALTH_TIMEOUT + 1, [lambda: conn])
            try:
                conn.execute("SELECT 1").fetchone()
            finally:
                watchdog.disarm(token)
        outcome["ok"] = True
    except Exception as exc:  # noqa: BLE001 (any failure is the answer)
        outcome["error"] = exc.__class__.__name__
    finally:
        _running.release()


def check_database(timeout: float) -> tuple[bool, str]:
    """(ok, French detail)."""
    if not _running.acquire(blocking=False):
        return False, "la base de données n'a pas répondu à la vérification précédente"
    outcome: dict = {}
    started = time.monotonic()
    try:
        thread = threading.Thread(target=_probe, args=(_conninfo(), outcome), name="healthz", daemon=True)
        thread.start()
    except Exception:
        _running.release()
        raise
    thread.join(timeout)
    if outcome.get("ok"):
        return True, f"base de données joignable en {(time.monotonic() - started) * 1000:.0f} ms"
    if "error" in outcome:
        return False, f"la base de données refuse la connexion ({outcome['error']})"
    return False, f"la base de données ne répond pas en moins de {timeout:g} s"


def healthz(request):
    ok, detail = check_database(settings.HEALTH_TIMEOUT)
    response = JsonResponse({"status": "ok" if ok else "erreur", "detail": detail}, status=200 if ok else 503,
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response
