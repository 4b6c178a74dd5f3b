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
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
local i = 0
statuses = {}
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do parts[#parts + 1] = status .. ":" .. n end
  io.write(string.format("WRK requests=%%d duration_s=%%.3f p50_ms=%%.2f p95_ms=%%.2f p99_ms=%%.2f "
    .. "socket_errors=%%d bytes=%%d statuses=%%s\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, summary.bytes, table.concat(parts, ",")))
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
    """wrk on `base`, cycling through `paths`: req/s, p50/p95/p99 in ms, errors (answers other than
    200 included: the counts per status are in "statuses"), bytes read."""
    return wrk_result(wrk_start(base, paths, connections=connections, duration=duration, workdir=workdir,
                                threads=threads))


def wrk_start(base: str, paths: list[str], *, connections: int, duration: int, workdir: Path,
              threads: int = 2) -> subprocess.Popen:
    """Start wrk in the background (read its figures with wrk_result); its files go to a folder of its own."""
    run_dir = Path(tempfile.mkdtemp(dir=workdir))
    urls, script = run_dir / "urls.txt", run_dir / "wrk.lua"
    urls.write_text("".join(f"{path}\n" for path in paths))
    script.write_text(WRK_SCRIPT % {"urls": urls})
    return subprocess.Popen(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
                             "-s", str(script), base], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wrk_result(process: subprocess.Popen) -> dict:
    out, err = process.communicate()
    if process.returncode:
        raise RuntimeError(f"wrk exited with {process.returncode}: {err[-2000:]}")
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    values = dict(item.split("=", 1) for item in line[4:].split())
    statuses = {int(k): int(v) for k, v in (item.split(":") for item in values["statuses"].split(",") if item)}
    errors = int(values["socket_errors"]) + sum(n for status, n in statuses.items() if status != 200)
    return {"rps": int(values["requests"]) / float(values["duration_s"]), "p50": float(values["p50_ms"]),
            "p95": float(values["p95_ms"]), "p99": float(values["p99_ms"]), "errors": errors,
            "requests": int(values["requests"]), "bytes": int(values["bytes"]), "statuses": statuses}


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
