"""Benchmark of /api/v1/recherche/ on a national-size synthetic dataset (separate database).

    python manage.py bench_search [--dispositifs 100000] [--lieux 200000] [--searches 1000]
                                  [--duration 20] [--connections 4] [--explain] [--regenerate] [--no-load]

Prints each figure beside its target with OK/NON (docs/ARCHITECTURE.md, "The search path"), the
machine's load average, and the three ratios that travel between machines.
"""

import os

from django.core.management.base import BaseCommand

from bench.db import ensure_bench_database

TARGETS = {"sql_p95": 5, "http_p50": 8, "http_p95": 20, "rps": 200,
           "http_over_sql": 1.3, "sql_over_floor": 5, "search_over_healthz": 0.10}


class Command(BaseCommand):
    help = "Génère 100 000 dispositifs / 200 000 lieux dans une base de benchmark et mesure la recherche."

    def add_arguments(self, parser):
        parser.add_argument("--dispositifs", type=int, default=100_000)
        parser.add_argument("--lieux", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--database", default="annuaire_bench_search", help="benchmark database (created)")
        parser.add_argument("--searches", type=int, default=1000)
        parser.add_argument("--duration", type=int, default=20, help="seconds of load (wrk), per URL set")
        parser.add_argument("--connections", type=int, default=4, help="wrk connections")
        parser.add_argument("--regenerate", action="store_true", help="regenerate even if the data is there")
        parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the main query")
        parser.add_argument("--no-load", action="store_true", help="skip the gunicorn + wrk load run")

    def handle(self, *args, **opts):
        # Its own database on the same cluster: the other benchmarks write into theirs at the same time.
        ensure_bench_database(name=opts["database"], stdout=self.stdout)
        from django.db import connection

        from bench import data, search, search_load
        from dispositifs.models import Dispositif, Lieu

        present = (Dispositif.objects.filter(source="bench").count(), Lieu.objects.count())
        if opts["regenerate"] or present != (opts["dispositifs"], opts["lieux"]) \
                or Dispositif.objects.count() != present[0]:
            self.stdout.write(f"génération : {opts['dispositifs']} dispositifs, {opts['lieux']} lieux…")
            data.generate(opts["dispositifs"], opts["lieux"], opts["seed"], stdout=self.stdout)
        else:
            self.stdout.write(f"données présentes : {present[0]} dispositifs, {present[1]} lieux (--regenerate)")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")   # visibility map: index-only scans

        searches = search.workload(opts["searches"], opts["seed"])
        if opts["explain"]:
            sample = {"commune": "21166", "theme": "lecture-ecriture-calcul", "rayon_km": "30"}
            self.stdout.write(f"EXPLAIN ANALYZE (local statement, {sample}):")
            self.stdout.write(search.explain(sample))
        ok, checked = search.agreement(searches)
        self.stdout.write(f"accord SQL rapide / définition ORM (reachable_from) : {ok}/{checked} recherches"
                          f" {'OK' if ok == checked else 'NON'}")
        waited = search.wait_for_quiet()
        self.stdout.write(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (waited {waited:.0f} s)")
        first = search.first_searches(searches)   # each filter set's national slice counted once
        sql = search.measure(searches)   # local, floor, service and http back to back for each search
        http = sql["http"]
        self.stdout.write(f"bench_search: {opts['dispositifs']} dispositifs, {opts['lieux']} lieux, "
                          f"{len(searches)} searches at random communes with random filters")
        self.stdout.write(f"sql local statement      {search.fmt(sql['local'])}")
        self.stdout.write(f"sql floor (20-NN KNN)    {search.fmt(sql['floor'])}")
        self.stdout.write(f"sql search (service)     {search.fmt(sql['service'])}  (the statement, through Python)")
        self.stdout.write(f"http (WSGI handler)      {search.fmt(http)}")
        self.stdout.write(f"  before them, each search once with no national slice kept: {search.fmt(first['all'])}; "
                          f"the {first['n_counted']} that counted their filter set's slice: "
                          + (search.fmt(first["counted"]) if first["counted"] else "-"))
        again = searches[:300]
        parts = search.breakdown(again)
        self.stdout.write(f"  where an http request goes (p50, {len(again)} searches again): "
                          f"sql {parts['sql']:.2f} ms, view Python {parts['view']:.2f} ms, "
                          f"WSGI handler + middleware {parts['stack']:.2f} ms")
        self.stdout.write(search.verdict("sql_p95", sql["local"]["p95"], TARGETS["sql_p95"]))
        self.stdout.write(search.verdict("http_p50", http["p50"], TARGETS["http_p50"]))
        self.stdout.write(search.verdict("http_p95", http["p95"], TARGETS["http_p95"]))
        self.stdout.write("ratio " + search.verdict("http_p50/sql_p50", http["p50"] / sql["local"]["p50"],
                                                    TARGETS["http_over_sql"], unit=""))
        self.stdout.write("ratio " + search.verdict("sql_p50/floor_p50", sql["local"]["p50"] / sql["floor"]["p50"],
                                                    TARGETS["sql_over_floor"], unit=""))
        if opts["no_load"]:
            return
        load = search_load.load_run(searches, duration=opts["duration"], connections=opts["connections"])
        for name, figures in load.items():
            self.stdout.write(f"load {name}: gunicorn 2 workers, wrk {opts['connections']} connections "
                              f"{opts['duration']} s: {figures['rps']:.1f} req/s p50={figures['p50']:.2f}ms "
                              f"p95={figures['p95']:.2f}ms p99={figures['p99']:.2f}ms requests={figures['requests']} "
                              f"errors={figures['errors']}")
        self.stdout.write(search.verdict("search_rps", load["search"]["rps"], TARGETS["rps"], unit="req/s",
                                         at_least=True))
        self.stdout.write("ratio " + search.verdict("search_rps/healthz_rps",
                                                    load["search"]["rps"] / load["healthz"]["rps"],
                                                    TARGETS["search_over_healthz"], unit="", at_least=True))
        self.stdout.write(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (after)")
