"""The search benchmark's workload and measures (the command `bench_search` is the thin shell).

Searches: uniformly random communes (most are small: the honest case for a national service)
with random filters in the proportions a search page sees (a theme half the time, the other
filters now and then, radius among the page's choices).
"""

import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.test import Client

from territoires.models import Commune

from . import recherche, recherche_sql
from .models import Theme

RAYONS = (5, 10, 20, 30, 30, 30, 50)


def workload(n: int, seed: int) -> list[dict]:
    """n query-parameter dicts: a commune and random filters."""
    rng = random.Random(seed)
    codes = list(Commune.objects.order_by("code").values_list("code", flat=True))
    themes = list(Theme.objects.order_by("slug").values_list("slug", "parent_id"))
    roots = [s for s, p in themes if p is None]
    subs = [s for s, p in themes if p is not None]
    out = []
    for _ in range(n):
        params = {"commune": rng.choice(codes)}
        r = rng.random()
        if r < 0.35:
            params["theme"] = rng.choice(roots)
        elif r < 0.5:
            params["theme"] = rng.choice(subs)
        if rng.random() < 0.15:
            params["public"] = rng.choice(["bpi", "femmes", "jeunes", "primo-arrivants"])
        if rng.random() < 0.1:
            params["langue"] = rng.choice(["ar", "en", "ps", "fa", "uk"])
        if rng.random() < 0.15:
            params["gratuit"] = "true"
        if rng.random() < 0.1:
            params["modalite"] = rng.choice(["presentiel", "distance"])
        if rng.random() < 0.1:
            params["niveau_francais"] = rng.choice(["aucun", "A1", "A2", "B1"])
        if rng.random() < 0.1:
            params["age"] = str(rng.randint(16, 60))
        params["rayon_km"] = str(rng.choice(RAYONS))
        if rng.random() < 0.1:
            params["national"] = "false"
        out.append(params)
    return out


def wait_for_quiet(*, below: float = 1.5, max_seconds: float = 120) -> float:
    """The machine is shared (2 cores): wait, bounded, until the 1-minute load average drops below
    `below`, so the figures measure the search rather than the neighbours. Returns seconds waited."""
    start = time.monotonic()
    while os.getloadavg()[0] >= below and time.monotonic() - start < max_seconds:
        time.sleep(5)
    return time.monotonic() - start


def percentiles(samples_ms: list[float]) -> dict:
    s = sorted(samples_ms)
    q = statistics.quantiles(s, n=100, method="inclusive")
    return {"p50": statistics.median(s), "p95": q[94], "p99": q[98]}


def fmt(p: dict) -> str:
    return " ".join(f"{k}={v:.2f}ms" for k, v in p.items())


def measure_sql(searches: list[dict]) -> tuple[dict, dict, float]:
    """(a) the bare SQL of each search: the local statement timed alone, and the search's
    statements as the service runs them (local + national slice, cached per filter set)."""
    recherche.clear_caches()
    local, service, hits = [], [], 0
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0; SET enable_bitmapscan = off")
    for params in searches:
        place = recherche.resolve_place_from_params(params)
        filters = recherche.Filters.from_params(params)
        theme_ids = recherche.expand_themes(filters.themes)
        sql, args = recherche_sql.build_local(place, filters, theme_ids=theme_ids, offset=0, limit=20)
        with connection.cursor() as cursor:
            t = time.perf_counter()
            cursor.execute(sql, args)
            cursor.fetchone()
            local.append((time.perf_counter() - t) * 1000)
        before = len(recherche._national_cache)
        t = time.perf_counter()
        recherche.run_search(place, filters, offset=0, limit=20)
        service.append((time.perf_counter() - t) * 1000)
        hits += filters.national and len(recherche._national_cache) == before
    national_searches = sum(1 for p in searches if p.get("national") != "false")
    return percentiles(local), percentiles(service), hits / max(1, national_searches)


def measure_http(searches: list[dict]) -> dict:
    """(b) the whole request through Django's test client (URL routing, DRF, JSON)."""
    recherche.clear_caches()
    client = Client()
    times = []
    for params in searches:
        t = time.perf_counter()
        response = client.get("/api/v1/recherche/", params)
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{params}: HTTP {response.status_code} {response.content[:200]!r}")
    return percentiles(times)


def agreement(searches: list[dict], n: int = 5) -> tuple[int, int]:
    """The fast statement and the ORM definition (`reachable_from`) on the first n searches with a
    radius of at most 10 km (beyond, the 200-nearest-lieux cap may legitimately cut proximity):
    (searches whose first 100 results and count agree, searches checked)."""
    from .models import Dispositif

    sample = [p for p in searches if float(p["rayon_km"]) <= 10][:n]
    ok = 0
    for params in sample:
        place = recherche.resolve_place_from_params(params)
        filters = recherche.Filters.from_params(params)
        result = recherche.search(place, filters)
        fast = [(r.dispositif.pk, r.portee) for r in result.page(1, 100)]
        orm = (Dispositif.objects.published().current().matching(filters)
               .reachable_from(place, radius_km=filters.rayon_km, national=filters.national))
        ok += fast == list(orm.ordered_by_portee().values_list("pk", "portee")[:100]) and result.count == orm.count()
    return ok, len(sample)


def explain(params: dict) -> str:
    place = recherche.resolve_place_from_params(params)
    filters = recherche.Filters.from_params(params)
    theme_ids = recherche.expand_themes(filters.themes)
    sql, args = recherche_sql.build_local(place, filters, theme_ids=theme_ids, offset=0, limit=20)
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0; SET enable_bitmapscan = off")
        cursor.execute(sql, args)  # warm
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, args)
        return "\n".join(row[0] for row in cursor.fetchall())


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_run(searches: list[dict], *, duration: int, connections: int, workers: int = 2) -> dict:
    """A real gunicorn (sync workers, loopback) under wrk for `duration` seconds."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk, done by scripts/install.sh)")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_DEBUG": "0", "LOG_LEVEL": "ERROR"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "annuaire.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--worker-class", "sync", "--backlog", "256", "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _wait_for(port, server)
        with tempfile.TemporaryDirectory() as tmp:
            urls = Path(tmp) / "urls.txt"
            urls.write_text("".join(f"/api/v1/recherche/?{urlencode(p)}\n" for p in searches))
            script = Path(tmp) / "recherche.lua"
            script.write_text(WRK_SCRIPT % {"urls": urls})
            base = f"http://127.0.0.1:{port}"
            # Warm-up: every worker connects to PostgreSQL and fills its caches.
            subprocess.run(["wrk", "-t1", f"-c{connections}", "-d3s", "-s", str(script), base],
                           capture_output=True, text=True, check=True)
            out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(script), base],
                                 capture_output=True, text=True, check=True).stdout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    values = dict(item.split("=") for item in line[4:].split())
    return {"rps": int(values["requests"]) / float(values["duration_s"]), "p50": float(values["p50_ms"]),
            "p95": float(values["p95_ms"]), "p99": float(values["p99_ms"]), "errors": int(values["errors"]),
            "requests": int(values["requests"])}


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
