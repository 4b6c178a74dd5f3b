"""The search benchmark's load run: a real gunicorn (2 sync workers, loopback) under wrk, for the
search and, with the same settings, for /healthz (the ratio of the two travels between machines)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(urls)s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
local errors = 0
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("WRK requests=%%d duration_s=%%.3f p50_ms=%%.2f p95_ms=%%.2f p99_ms=%%.2f errors=%%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgis://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def load_run(searches: list[dict], *, duration: int, connections: int, workers: int = 2) -> dict:
    """{"search": figures, "healthz": figures}: wrk for `duration` seconds on the search URLs, then
    on /healthz, against one gunicorn (sync workers, loopback)."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk, done by scripts/install.sh)")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_DEBUG": "0", "LOG_LEVEL": "ERROR"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "annuaire.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--worker-class", "sync", "--backlog", "256", "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _wait_for(port, server)
        with tempfile.TemporaryDirectory() as tmp:
            base = f"http://127.0.0.1:{port}"
            figures = {}
            for name, paths in (("search", [f"/api/v1/recherche/?{urlencode(p)}" for p in searches]),
                                ("healthz", ["/healthz"])):
                # Warm-up: every worker connects to PostgreSQL and reads the cache.
                wrk(base, paths, connections=connections, duration=3, workdir=Path(tmp), threads=1)
                figures[name] = wrk(base, paths, connections=connections, duration=duration, workdir=Path(tmp))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    return figures


def wrk(base: str, paths: list[str], *, connections: int, duration: int, workdir: Path, threads: int = 2) -> dict:
    """wrk on `base`, cycling through `paths`: req/s, p50/p95/p99 in ms, errors (non-200 answers included)."""
    urls, script = workdir / "urls.txt", workdir / "wrk.lua"
    urls.write_text("".join(f"{path}\n" for path in paths))
    script.write_text(WRK_SCRIPT % {"urls": urls})
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
                          "-s", str(script), base], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    values = dict(item.split("=") for item in line[4:].split())
    return {"rps": int(values["requests"]) / float(values["duration_s"]), "p50": float(values["p50_ms"]),
            "p95": float(values["p95_ms"]), "p99": float(values["p99_ms"]), "errors": int(values["errors"]),
            "requests": int(values["requests"])}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited: " + server.stderr.read().decode()[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start within 30 s")
