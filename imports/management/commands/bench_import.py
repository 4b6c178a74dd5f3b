import os
import time

from django.core.management.base import BaseCommand

from annuaire.benchdb import ensure_bench_database
from dispositifs.models import Dispositif, Structure
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
        # Start from an empty source so the first run measures creation, as a first import would.
        Dispositif.objects.filter(source=SOURCE).delete()
        Structure.objects.filter(dispositifs__isnull=True).delete()
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
