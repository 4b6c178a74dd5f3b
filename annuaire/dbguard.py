"""A deadline on the database for each web request, enforced from the client side.

PostgreSQL's `statement_timeout` is enforced by the server, so it cannot fire when the server itself is
hung (processes paused, a frozen VM, a silent network path): the kernel still acknowledges the packets
and libpq waits forever, and gunicorn kills the worker two minutes later. A web request arms this
watchdog; when its deadline passes while it still holds a database connection, one daemon thread per
process shuts that connection's socket down. libpq then fails the pending call at once with an
OperationalError, which annuaire.errors turns into a 503. The next request opens a new connection
(bounded by `connect_timeout`), so service comes back by itself when the database does.
"""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterable

# How often the watchdog looks at armed deadlines while requests are in flight (the precision of a cut).
TICK = 0.1


def cut(pg_connection) -> bool:
    """Shut the socket of a psycopg connection down; a blocked read on it returns at once. True if cut."""
    if pg_connection is None or getattr(pg_connection, "closed", True):
        return False
    try:
        fd = pg_connection.pgconn.socket
    except Exception:  # psycopg raises when the connection is already closed or broken
        return False
    duplicate = socket.socket(fileno=os.dup(fd))
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        return False
    finally:
        duplicate.close()
    return True


class Watchdog:
    """Deadlines keyed by a token; `targets` are callables returning the psycopg connections to cut."""

    def __init__(self):
        self._cond = threading.Condition()
        self._armed: dict[object, tuple[float, Iterable[Callable]]] = {}
        self._idle = False
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self.cuts = 0

    def arm(self, seconds: float, targets: Iterable[Callable]) -> object:
        token = object()
        with self._cond:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()  # threads do not survive a fork (gunicorn --preload)
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
            self._armed[token] = (time.monotonic() + seconds, tuple(targets))
            if self._idle:
                self._cond.notify()
        return token

    def disarm(self, token: object) -> None:
        with self._cond:
            self._armed.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._armed:
                    self._idle = True
                    self._cond.wait()
                    self._idle = False
                    continue
                self._cond.wait(TICK)
                now = time.monotonic()
                for token, (deadline, targets) in list(self._armed.items()):
                    if deadline <= now:
                        del self._armed[token]
                        for target in targets:
                            self.cuts += cut(target())


watchdog = Watchdog()


def request_targets() -> list[Callable]:
    """The connections this thread may use during a request: every configured alias (replicas too)."""
    from django.db import connections

    wrappers = [connections[alias] for alias in connections]
    return [lambda wrapper=wrapper: wrapper.connection for wrapper in wrappers]
