"""python manage.py bench_import [--rows N] [--keep-database]

Times the import pipeline on an N-row XLSX (default 50,000) in a database created EMPTY for the run
(`annuaire_bench_import`, dropped and created again, migrated, territoires and themes loaded; none
of that is timed), so a plan that only works on an analysed, populated table cannot hide:
1. first import into the fresh database (every row created: the COPY path and the side tables);
2. the same dispositifs with new content (every row updated: the bulk update path);
3. the same file again (every row unchanged).
Each is printed in rows/s beside its target (>= 5,000 rows/s, issue #13) with OK or NON, and the
writer's phases (copy dispositifs, copy lieux, side tables…) show where the time goes.
"""

import os
import time

import psycopg
from django.core.management.base import BaseCommand
from django.db import connections

from bench.db import _conninfo, ensure_bench_database
from bench.imports import bench_file
from bench.report import Measure, machine_line

BENCH_DB = "annuaire_bench_import"
SOURCE = "bench-import"
TARGET_ROWS_S = 5_000  # issue #13 (aim 8,000)


def recreate_database(name: str) -> None:
    """Drop the bench database and create it empty (ensure_bench_database then migrates and loads it)."""
    base = connections.settings["default"]
    if not name.startswith("annuaire_bench"):
        raise RuntimeError(f"refusing to drop {name!r}: not a benchmark database")
    with psycopg.connect(**_conninfo(base, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Command(BaseCommand):
    help = ("Time the import pipeline on an N-row XLSX (default 50,000) in a database created empty for "
            "the run: first import, bulk update, unchanged re-import, in rows/s against the 5,000 rows/s target.")

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=50_000)
        parser.add_argument("--keep-database", action="store_true",
                            help="reuse the existing bench database (measures a warm, populated one instead)")

    def handle(self, *args, **opts):
        from imports import writer
        from imports.services import import_file

        n = opts["rows"]
        t = time.perf_counter()
        paths = [bench_file(n), bench_file(n, variant=1)]
        self.stdout.write(f"fichiers : {paths[0].name}, {paths[1].name} ({paths[0].stat().st_size / 1e6:.1f} Mo, "
                          f"prêts en {time.perf_counter() - t:.1f} s, non chronométré)")
        t = time.perf_counter()
        if not opts["keep_database"]:
            recreate_database(BENCH_DB)
        ensure_bench_database(name=BENCH_DB, stdout=self.stdout)
        state = "reprise" if opts["keep_database"] else "neuve (supprimée, recréée, migrée)"
        self.stdout.write(f"base {BENCH_DB} {state} en {time.perf_counter() - t:.1f} s, non chronométré")
        self.stdout.write(machine_line())
        measures = []
        runs = (("premier import, base neuve", paths[0], "created"),
                ("import en masse, contenu changé", paths[1], "updated"),
                ("réimport inchangé", paths[1], "unchanged"))
        for label, path, expected in runs:
            writer.PHASES.clear()
            result = import_file(path, source=SOURCE)
            rows = result.counts.rows
            self.stdout.write(f"{label} : {result.summary()}")
            if getattr(result.counts, expected) < rows * 0.9:
                self.stdout.write(f"  attention : {expected} attendu pour presque toutes les lignes")
            for step, name in (("read", "lecture"), ("validate", "validation+géocodage"), ("write", "écriture"),
                               ("commit", "commit")):
                seconds = result.timings.get(step, 0.0)
                self.stdout.write(f"  {name:<22} {seconds:7.2f} s  {rows / max(seconds, 1e-9):>10,.0f} lignes/s")
            if writer.PHASES:
                detail = ", ".join(f"{k} {v:.2f} s" for k, v in writer.PHASES.items())
                self.stdout.write(f"  (écriture : {detail})")
            total = result.timings.get("total", 0.0)
            measure = Measure(f"import {rows} lignes, {label}", rows / max(total, 1e-9), "lignes/s", TARGET_ROWS_S)
            measures.append(measure)
            self.stdout.write(f"  total {total:.2f} s")
        self.stdout.write("")
        for measure in measures:
            self.stdout.write(measure.line())
        self.stdout.write(f"charge à la fin : {os.getloadavg()[0]:.2f}")
        ok = sum(m.ok for m in measures)
        return f"bench_import : {ok}/{len(measures)} mesures dans la cible"
