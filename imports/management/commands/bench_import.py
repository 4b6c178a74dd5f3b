import os
import time

from django.core.management.base import BaseCommand
from django.db import connection

from annuaire.benchdb import ensure_bench_database
from dispositifs.models import Dispositif, Lieu, Structure
from imports import writer
from imports.bench import bench_file
from imports.services import import_file

SOURCE = "bench-import"


class Command(BaseCommand):
    help = ("Time the import pipeline on an N-row XLSX (default 50,000) in the separate database "
            "annuaire_bench: rows/s for read, validate+geocode, write and total; then a re-import (unchanged).")

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=50_000)

    def handle(self, *args, **opts):
        ensure_bench_database(stdout=self.stdout)
        load = os.getloadavg()[0]
        self.stdout.write(f"machine : {os.cpu_count()} CPU, charge moyenne sur 1 min {load:.2f} "
                          "(les chiffres baissent si d'autres processus utilisent les CPU)")
        n = opts["rows"]
        t = time.perf_counter()
        path = bench_file(n)
        self.stdout.write(f"fichier : {path} ({path.stat().st_size / 1e6:.1f} Mo, préparé en "
                          f"{time.perf_counter() - t:.1f} s, non chronométré)")
        t = time.perf_counter()
        _reset()
        self.stdout.write(f"source {SOURCE} vidée ({time.perf_counter() - t:.1f} s, non chronométré)")
        for label in ("premier import (création)", "réimport du même fichier (inchangé)"):
            writer.PHASES.clear()
            result = import_file(path, source=SOURCE)
            rows = result.counts.rows
            self.stdout.write(f"{label} : {result.summary()}")
            for step, name in (("read", "read"), ("validate", "validate+geocode"), ("write", "write"),
                               ("commit", "commit"), ("total", "total")):
                seconds = result.timings.get(step, 0.0)
                self.stdout.write(f"  {name:<17} {seconds:7.2f} s  {rows / max(seconds, 1e-9):>10,.0f} rows/s")
            if writer.PHASES:
                self.stdout.write("  (detail: " + ", ".join(f"{k} {v:.2f} s" for k, v in writer.PHASES.items()) + ")")


def _reset() -> None:
    """Start from an empty source, as a first import would, on freshly vacuumed tables: the dead
    rows of the previous run would otherwise wake autovacuum in the middle of the timed run."""
    tables = [Dispositif._meta.db_table, Lieu._meta.db_table, Structure._meta.db_table]
    with connection.cursor() as c:
        ids = f"SELECT id FROM {Dispositif._meta.db_table} WHERE source = %s"
        for field in ("themes", "regions", "departements", "communes"):
            through = getattr(Dispositif, field).through._meta.db_table
            tables.append(through)
            c.execute(f"DELETE FROM {through} WHERE dispositif_id IN ({ids})", [SOURCE])
        c.execute(f"DELETE FROM {Lieu._meta.db_table} WHERE dispositif_id IN ({ids})", [SOURCE])
        c.execute(f"DELETE FROM {Dispositif._meta.db_table} WHERE source = %s", [SOURCE])
        c.execute(f"DELETE FROM {Structure._meta.db_table} s WHERE NOT EXISTS (SELECT 1 FROM "
                  f"{Dispositif._meta.db_table} d WHERE d.structure_id = s.id)")
        for table in tables:  # VACUUM cannot run in a transaction: the command runs in autocommit
            c.execute(f"VACUUM ANALYZE {table}")
