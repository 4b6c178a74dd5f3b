"""The search benchmark's workload and measures (the command `bench_search` is the thin shell;
the gunicorn + wrk load run is `bench.search_load`).

Searches: uniformly random communes (most are small: the honest case for a national service)
with random filters in the proportions a search page sees (a theme half the time, the other
filters now and then, radius among the page's choices).
"""

import io
import os
import random
import statistics
import time
from urllib.parse import urlencode

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from dispositifs import recherche, recherche_sql
from dispositifs.filters import RechercheParams, filters_from
from dispositifs.models import Dispositif, Theme
from territoires.models import Commune

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


class WSGIClient:
    """A request as gunicorn hands it to Django: the WSGI handler called with an environ, the body read
    and closed (request_finished runs). Django's test client adds its own work around that (template
    signal hooks, a cookie jar, the exception capture, the response's test attributes), which a
    production request never pays."""

    def __init__(self):
        self.handler = WSGIHandler()

    def get(self, path: str, params: dict | str) -> tuple[int, bytes]:
        """`params` as a dict, or already encoded (the client's work, which a benchmark leaves out of its time)."""
        query = params if isinstance(params, str) else urlencode(params, doseq=True)
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
                   "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(b""),
                   "wsgi.errors": io.StringIO(), "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
                   "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False}
        status = []
        response = self.handler(environ, lambda line, headers, exc_info=None: status.append(line))
        try:
            body = b"".join(response)
        finally:
            response.close()
        return int(status[0].split()[0]), body


def first_searches(searches: list[dict]) -> dict:
    """Each search once, through the service, with no national slice kept yet (the table emptied, as after
    a write or at midnight): the first search of a filter set counts its slice and keeps it, the next ones
    read it in their statement. Returns the percentiles of all of them, of those that counted a slice,
    and how many did. The measures that follow are the steady state this leaves."""
    from dispositifs.side_tables import RechercheNationale

    RechercheNationale.objects.all().delete()
    counted, times = [], []
    original = recherche.national_slice

    def counting(filters):
        counted.append(len(times))
        return original(filters)

    recherche.national_slice = counting
    try:
        for params in searches:
            place, filters = parse(params)
            start = time.perf_counter()
            recherche.run_search(place, filters, offset=0, limit=20)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        recherche.national_slice = original
    return {"all": percentiles(times), "counted": percentiles([times[i] for i in counted]) if len(counted) > 1
            else None, "n_counted": len(counted)}


def percentiles(samples_ms: list[float]) -> dict:
    s = sorted(samples_ms)
    q = statistics.quantiles(s, n=100, method="inclusive")
    return {"p50": statistics.median(s), "p95": q[94], "p99": q[98]}


def fmt(p: dict) -> str:
    return " ".join(f"{k}={v:.2f}ms" for k, v in p.items())


def parse(params: dict):
    """(place, filters) of a workload entry, as the API reads them."""
    values = RechercheParams.parse(params)
    return recherche.resolve_place_from_params(values), filters_from(values)


def _timed(cursor, sql: str, args: dict) -> float:
    t = time.perf_counter()
    cursor.execute(sql, args)
    cursor.fetchall()
    return (time.perf_counter() - t) * 1000


def measure(searches: list[dict]) -> dict:
    """Per search, in ms: the bare local statement (`local`), the floor (the 20 nearest lieux by KNN
    from the same point, no filter), the service as it runs (`service`: local statement, national
    slice, national results when the page reaches them) and the whole request through Django (`http`: the
    WSGI handler as gunicorn calls it: middleware, URL routing, parsing, SQL, JSON). The four run back to
    back for each search,
    in alternating order, so a neighbour's burst on the shared machine weighs on all of them alike and
    the ratios between them hold."""
    times = {"local": [], "floor": [], "service": [], "http": []}
    client = WSGIClient()
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0; SET enable_bitmapscan = off")
    floor_sql = ("SELECT id FROM dispositifs_lieu ORDER BY point <-> "
                 f"{recherche_sql.ORIGIN} LIMIT 20")

    def local(place, filters, params):
        sql, args = recherche_sql.build_local(place, filters, offset=0, limit=20, url="/dispositifs/")
        with connection.cursor() as cursor:
            return _timed(cursor, sql, args)

    def floor(place, filters, params):
        with connection.cursor() as cursor:
            return _timed(cursor, floor_sql, {"lon": place.point.x, "lat": place.point.y})

    def service(place, filters, params):
        t = time.perf_counter()
        recherche.run_search(place, filters, offset=0, limit=20)
        return (time.perf_counter() - t) * 1000

    def http(place, filters, params):
        query = urlencode(params, doseq=True)   # the client's work, as wrk's
        t = time.perf_counter()
        status, body = client.get("/api/v1/recherche/", query)
        elapsed = (time.perf_counter() - t) * 1000
        if status != 200:
            raise RuntimeError(f"{params}: HTTP {status} {body[:200]!r}")
        return elapsed

    steps = [("local", local), ("floor", floor), ("service", service), ("http", http)]
    for n, params in enumerate(searches):
        place, filters = parse(params)
        for name, step in (steps if n % 2 == 0 else steps[::-1]):
            times[name].append(step(place, filters, params))
    return {name: percentiles(samples) for name, samples in times.items()}


def breakdown(searches: list[dict]) -> dict:
    """Where a request's time goes (medians in ms, printed beside the figures, not a measure of its own):
    `sql` the search statements inside the view (local and, on a miss, national), `view` the view's own
    Python (parsing, JSON head), `stack` the rest (WSGI handler, middleware), by timing the view's
    `answer` and `recherche._bounded` around the same requests (through the WSGI handler, as `measure`)."""
    from dispositifs.api import views

    spent = {"sql": 0.0, "get": 0.0}
    originals = (recherche._bounded, views.answer)

    def timed(function, key):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[key] += (time.perf_counter() - start) * 1000
        return wrapper

    recherche._bounded, views.answer = timed(originals[0], "sql"), timed(originals[1], "get")
    rows = []
    client = WSGIClient()
    try:
        for params in searches:
            spent.update(sql=0.0, get=0.0)
            start = time.perf_counter()
            client.get("/api/v1/recherche/", params)
            total = (time.perf_counter() - start) * 1000
            rows.append((total, spent["sql"], spent["get"] - spent["sql"], total - spent["get"]))
    finally:
        recherche._bounded, views.answer = originals
    return {name: statistics.median(row[i] for row in rows) for i, name in enumerate(("http", "sql", "view", "stack"))}


def agreement(searches: list[dict], n: int = 5) -> tuple[int, int]:
    """The fast statement and the ORM definition (`reachable_from`) on the first n searches with a
    radius of at most 10 km (beyond, the 200-nearest-lieux cap may legitimately cut proximity):
    (searches whose first 100 results and count agree, searches checked)."""
    sample = [p for p in searches if float(p["rayon_km"]) <= 10][:n]
    ok = 0
    for params in sample:
        place, filters = parse(params)
        result = recherche.search(place, filters)
        fast = [(r.dispositif.pk, r.portee) for r in result.page(1, 100)]
        orm = (Dispositif.objects.published().current().matching(filters)
               .reachable_from(place, radius_km=filters.rayon_km, national=filters.national))
        ok += fast == list(orm.ordered_by_portee().values_list("pk", "portee")[:100]) and result.count == orm.count()
    return ok, len(sample)


def explain(params: dict) -> str:
    """EXPLAIN ANALYZE of the local statement's body (the function's plan is the same statement's)."""
    place, filters = parse(params)
    sql, args = recherche_sql.build_local_inline(place, filters, offset=0, limit=20, url="/dispositifs/")
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0; SET enable_bitmapscan = off")
        cursor.execute(sql, args)  # warm
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, args)
        return "\n".join(row[0] for row in cursor.fetchall())


def verdict(name: str, value: float, target: float, *, unit: str = "ms", at_least: bool = False) -> str:
    """One figure with its target and OK/NON, the way every benchmark prints it."""
    ok = value >= target if at_least else value <= target
    sign = ">=" if at_least else "<="
    return f"{name} = {value:.2f}{(' ' + unit) if unit else ''} (target {sign} {target:g}) {'OK' if ok else 'NON'}"
