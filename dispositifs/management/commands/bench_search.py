"""Benchmark of /api/v1/recherche/ on a national-size synthetic dataset (separate database).

    python manage.py bench_search [--dispositifs 100000] [--lieux 200000] [--searches 1000]
                                  [--duration 20] [--connections 4] [--explain] [--regenerate] [--no-load]
"""

import os

from django.core.management.base import BaseCommand

from annuaire.benchdb import ensure_bench_database


class Command(BaseCommand):
    help = "Génère 100 000 dispositifs / 200 000 lieux dans une base de benchmark et mesure la recherche."

    def add_arguments(self, parser):
        parser.add_argument("--dispositifs", type=int, default=100_000)
        parser.add_argument("--lieux", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--database", default="annuaire_bench_search", help="benchmark database (created)")
        parser.add_argument("--searches", type=int, default=1000)
        parser.add_argument("--duration", type=int, default=20, help="seconds of load (wrk)")
        parser.add_argument("--connections", type=int, default=4, help="wrk connections")
        parser.add_argument("--regenerate", action="store_true", help="regenerate even if the data is there")
        parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the main query")
        parser.add_argument("--no-load", action="store_true", help="skip the gunicorn + wrk load run")

    def handle(self, *args, **opts):
        # Its own database on the same cluster: the other benchmarks (bench_import, bench_maps) write
        # into annuaire_bench at the same time, and a load run must not measure their writes.
        ensure_bench_database(name=opts["database"], stdout=self.stdout)
        from django.db import connection

        from dispositifs import benchdata, benchsearch
        from dispositifs.models import Dispositif, Lieu

        present = (Dispositif.objects.filter(source="bench").count(), Lieu.objects.count())
        if opts["regenerate"] or present != (opts["dispositifs"], opts["lieux"]) \
                or Dispositif.objects.count() != present[0]:
            self.stdout.write(f"génération : {opts['dispositifs']} dispositifs, {opts['lieux']} lieux…")
            benchdata.generate(opts["dispositifs"], opts["lieux"], opts["seed"], stdout=self.stdout)
        else:
            self.stdout.write(f"données présentes : {present[0]} dispositifs, {present[1]} lieux (--regenerate)")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")   # visibility map: index-only scans on the through tables

        searches = benchsearch.workload(opts["searches"], opts["seed"])
        if opts["explain"]:
            sample = {"commune": "21166", "theme": "lecture-ecriture-calcul", "rayon_km": "30"}
            self.stdout.write(f"EXPLAIN ANALYZE (local statement, {sample}):")
            self.stdout.write(benchsearch.explain(sample))
        ok, checked = benchsearch.agreement(searches)
        self.stdout.write(f"accord SQL rapide / définition ORM (reachable_from) : {ok}/{checked} recherches")
        waited = benchsearch.wait_for_quiet()
        self.stdout.write(f"charge machine {os.getloadavg()[0]:.2f} (attendu {waited:.0f} s)")
        local, service, hit_rate = benchsearch.measure_sql(searches)
        http = benchsearch.measure_http(searches)
        n = len(searches)
        self.stdout.write(f"bench_search: {opts['dispositifs']} dispositifs, {opts['lieux']} lieux, "
                          f"{n} searches at random communes with random filters")
        self.stdout.write(f"sql local statement      {benchsearch.fmt(local)}")
        self.stdout.write(f"sql search (a)           {benchsearch.fmt(service)}  "
                          f"(local + national slice, slice cache hit rate {hit_rate:.0%})")
        self.stdout.write(f"http test client (b)     {benchsearch.fmt(http)}")
        self.stdout.write(f"ratio (b)/(a)            p50={http['p50'] / service['p50']:.2f}x "
                          f"p95={http['p95'] / service['p95']:.2f}x p99={http['p99'] / service['p99']:.2f}x")
        if opts["no_load"]:
            return
        load = benchsearch.load_run(searches, duration=opts["duration"], connections=opts["connections"])
        self.stdout.write(f"load gunicorn 2 workers, wrk {opts['connections']} connections {opts['duration']} s: "
                          f"{load['rps']:.1f} req/s p50={load['p50']:.2f}ms p95={load['p95']:.2f}ms "
                          f"p99={load['p99']:.2f}ms requests={load['requests']} errors={load['errors']}")
