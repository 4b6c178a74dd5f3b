"""python manage.py bench_load [--duration S] [--no-limits] — make bench-load.

The search under wrk at 10 and 50 connections, each alone then at once while 2 clients loop on the heaviest
endpoints (national couverture, national export, maps), against gunicorn on loopback (bench/load.py), once the
machine is quiet (bounded wait, the load printed). On the
database of the settings (DATABASE_URL): the demo data of `make demo`, or any other.
Prints req/s and p95 of each run, then whether the search keeps >= 80 % of its throughput alone and a
p95 under 300 ms, OK or NON (bench.report).
"""

from django.core.management.base import BaseCommand

from bench.load import run


class Command(BaseCommand):
    help = "Search throughput and p95 alone and while 2 clients loop on the heavy endpoints (wrk, gunicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run (default 15)")
        parser.add_argument("--no-limits", action="store_true",
                            help="turn the per-client limits of the heavy endpoints off (ANNUAIRE_HEAVY_RATE='')")

    def handle(self, *args, **opts):
        measures = run(duration=opts["duration"], limits=not opts["no_limits"], log=self.stdout.write)
        for measure in measures:
            self.stdout.write(measure.line())
        ok = sum(m.ok for m in measures)
        return f"bench-load: {ok}/{len(measures)} OK"
