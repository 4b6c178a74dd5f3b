"""Does one heavy client starve everyone? (issue #10): the search under wrk at 10 and 50 connections, each
alone then at once while 2 clients loop on the heaviest endpoints (national couverture, national export,
maps), against gunicorn as `make serve` runs it (annuaire/gunicorn.conf.py), on loopback.

The heavy answers are stored files computed ahead by the job runner: the preparation asks for each one,
runs the worker until its queue is empty (`procrastinate worker --one-shot`), then checks they are
served. Stored files go to var/bench-load/, not to the site's var/cartes/.
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.report import Measure, machine_line
from bench.search import wait_for_quiet
from bench.search_load import free_port, wrk, wrk_result, wrk_start

HEAVY = ["/api/v1/couverture/?theme=sante&format=geojson", "/api/v1/couverture/?theme=sante",
         "/api/v1/exports/geojson/?all=1", "/api/v1/exports/csv/?all=1",
         "/cartes/france-densite.html", "/cartes/departement-21.html"]
THROUGHPUT_RATIO_MIN = 0.80
P95_MAX_MS = 300.0

def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgis://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def search_paths(count: int = 300, seed: int = 10) -> list[str]:
    """Searches at communes where the data is (the départements with lieux) and elsewhere, with and
    without a theme, as people type them."""
    from dispositifs.models import Theme
    from territoires.models import Commune

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT c.departement_id FROM dispositifs_lieu l "
                       "JOIN territoires_commune c ON c.code = l.commune_id")
        busy = [row[0] for row in cursor.fetchall()]
    near = list(Commune.objects.filter(departement_id__in=busy).order_by("-population")
                .values_list("code", flat=True)[:400])
    anywhere = list(Commune.objects.order_by("-population").values_list("code", flat=True)[:2000])
    themes = list(Theme.objects.roots().values_list("slug", flat=True))
    paths = []
    for _ in range(count):
        commune = rng.choice(near if near and rng.random() < 0.7 else anywhere)
        theme = f"&theme={rng.choice(themes)}" if rng.random() < 0.6 else ""
        paths.append(f"/api/v1/recherche/?commune={commune}{theme}")
    return paths


class Server:
    def __init__(self, env: dict, workdir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "annuaire.wsgi", "-c", "annuaire/gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}"],
            cwd=settings.BASE_DIR, env=env, stdout=(workdir / "gunicorn.log").open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if fetch(self.url + "/healthz")[0] == 200:
                return
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        os.killpg(self.process.pid, 15)
        self.process.wait(30)


def fetch(url: str, timeout: float = 60) -> tuple[int, int]:
    """(status, bytes read); 0 when the connection failed."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            size = 0
            while chunk := response.read(1 << 16):
                size += len(chunk)
            return response.status, size
    except urllib.error.HTTPError as exc:
        return exc.code, len(exc.read())
    except (urllib.error.URLError, OSError):
        return 0, 0


def prepare(server: Server, env: dict, log, budget: float = 240) -> None:
    """Ask for every heavy answer until it is served (200), the job runner computing them meanwhile;
    at most `budget` seconds: what is not ready then answers its 202 « en préparation » during the runs."""
    started = time.monotonic()
    worker = subprocess.Popen([sys.executable, "manage.py", "procrastinate", "worker"], cwd=settings.BASE_DIR,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        pending = {path: (0, 0) for path in HEAVY}
        while time.monotonic() - started < budget:
            for path in list(pending):
                pending[path] = fetch(server.url + path)
                if pending[path][0] == 200:
                    log(f"  prêt {path}: {pending.pop(path)[1] / 1e6:.1f} Mo, {time.monotonic() - started:.0f} s")
            if not pending:
                break
            time.sleep(3)
        for path, (status, _size) in pending.items():
            log(f"  pas prêt après {budget:.0f} s : {path} ({status})")
    finally:
        os.killpg(worker.pid, 15)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)


class HeavyClients:
    """`count` clients, each looping over the heavy URLs and reading every answer to the end: a wrk of
    `count` connections beside the measured one, so the clients' own reading costs the machine what a
    C client costs, not a Python loop's share of the two CPUs."""

    def __init__(self, base: str, *, seconds: int, workdir: Path, count: int = 2):
        self.args = dict(connections=count, duration=seconds, workdir=workdir, threads=1)
        self.base, self.result = base, None

    def __enter__(self):
        self.process = wrk_start(self.base, HEAVY, **self.args)
        time.sleep(2)  # the loops are running
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            self.process.kill()
        self.result = wrk_result(self.process)  # wrk stops by itself at the end of its run


def run(*, duration: int = 15, connections=(10, 50), limits: bool = True, log=print) -> list[Measure]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk, done by scripts/install.sh)")
    store = Path(settings.BASE_DIR) / "var" / "bench-load"
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_DEBUG": "0", "LOG_LEVEL": "ERROR",
           "ANNUAIRE_MAPS_DIR": str(store / "cartes"), "ANNUAIRE_EXPORTS_DIR": str(store / "exports")}
    if not limits:
        env["ANNUAIRE_HEAVY_RATE"] = ""
    paths = search_paths()
    log(f"==> charge : {connection.settings_dict['NAME']}, gunicorn {os.environ.get('GUNICORN_WORKERS', '2')} "
        f"workers x {os.environ.get('GUNICORN_THREADS', '4')} threads, wrk {duration} s par mesure, "
        f"limites par client {'actives' if limits else 'coupées'}")
    log(machine_line())
    measures = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        preparing = Server({**env, "ANNUAIRE_HEAVY_RATE": ""}, workdir)  # its polling is not rate-limited
        try:
            prepare(preparing, env, log)
        finally:
            preparing.stop()
        server = Server(env, workdir)
        try:
            status, _size = fetch(server.url + paths[0])
            if status != 200:  # e.g. a database not migrated since the search function changed
                raise RuntimeError(f"la recherche répond {status} sur {paths[0]} : `make migrate` puis relancer")
            wrk(server.url, paths, connections=10, duration=3, workdir=workdir)  # warm-up
            waited = wait_for_quiet()
            log(f"{machine_line()} (attendu {waited:.0f} s)")
            # Each pair back to back, alone then beside the heavy clients: what the machine does between
            # runs (the other benchmarks' tail, a neighbour) weighs on both figures of a ratio alike.
            alone, loaded, results = {}, {}, []
            for c in connections:
                alone[c] = wrk(server.url, paths, connections=c, duration=duration, workdir=workdir)
                with HeavyClients(server.url, seconds=duration + 4, workdir=workdir) as heavy:
                    loaded[c] = wrk(server.url, paths, connections=c, duration=duration, workdir=workdir)
                results.append(heavy.result)
            total = {key: sum(r[key] for r in results) for key in ("requests", "bytes", "errors")}
            statuses = {code: sum(r["statuses"].get(code, 0) for r in results)
                        for code in {code for r in results for code in r["statuses"]}}
            log(f"  clients lourds : {total['requests']} réponses "
                f"({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))}), {total['bytes'] / 1e6:.0f} Mo lus")
            refused = sum(n for status, n in statuses.items() if status != 200 and status < 500)
            heavy_failures = total["errors"] - refused
        finally:
            server.stop()
    for c in connections:
        a, b = alone[c], loaded[c]
        log(f"  recherche c={c:<3} seule : {a['rps']:7.1f} req/s  p50 {a['p50']:6.1f} ms  p95 {a['p95']:6.1f} ms  "
            f"erreurs {a['errors']}")
        log(f"  recherche c={c:<3} + 2 clients lourds : {b['rps']:7.1f} req/s  p50 {b['p50']:6.1f} ms  "
            f"p95 {b['p95']:6.1f} ms  erreurs {b['errors']}")
        measures += [
            Measure(f"recherche c={c} sous charge / seule (débit)", b["rps"] / a["rps"], "", THROUGHPUT_RATIO_MIN,
                    digits=2),
            Measure(f"recherche c={c} sous charge, p95", b["p95"], "ms", P95_MAX_MS, higher_is_better=False),
            Measure(f"recherche c={c} réponses en erreur", a["errors"] + b["errors"], "", 0, higher_is_better=False),
        ]
    measures.append(Measure("clients lourds : réponses 5xx ou sans réponse", heavy_failures, "", 0,
                            higher_is_better=False))
    log(f"charge à la fin : {os.getloadavg()[0]:.2f}")
    return measures
