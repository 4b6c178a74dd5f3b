"""python manage.py bench_import_memory [--mb 50]

Peak memory of `import_dispositifs` on a generated N MB CSV (default 50), in a child process
(`--dry-run` in the bench database: everything is validated and written, then rolled back). The
figure is the child's peak RSS (getrusage), Django and the gazetteer included; the target is
500 MB for 50 MB (issue #10: a 200 MB CSV used to take 3.2 GB, 16 times its size).
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from bench.db import ensure_bench_database
from bench.import_memory import memory_csv

TARGET_MB = 500


class Command(BaseCommand):
    help = "Peak RSS of import_dispositifs on a generated CSV of --mb megabytes (target < 500 MB for 50 MB)."

    def add_arguments(self, parser):
        parser.add_argument("--mb", type=int, default=50)
        parser.add_argument("--target", type=int, default=TARGET_MB, help="peak RSS target, in MB")

    def handle(self, *args, **opts):
        ensure_bench_database(stdout=self.stdout)
        self.stdout.write(f"machine : {os.cpu_count()} CPU, charge moyenne sur 1 min {os.getloadavg()[0]:.2f}")
        t = time.perf_counter()
        path = memory_csv(opts["mb"])
        self.stdout.write(f"fichier : {path} ({path.stat().st_size / 1e6:.1f} Mo, préparé en "
                          f"{time.perf_counter() - t:.1f} s, non chronométré)")
        db = connections["default"].settings_dict
        url = (f"postgis://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST'] or ''}:"
               f"{db['PORT'] or 5432}/{db['NAME']}")
        env = {**os.environ, "DATABASE_URL": url}
        t = time.perf_counter()
        child = subprocess.run([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "import_dispositifs",
                                str(path), "--source", "bench-memory", "--dry-run"],
                               env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - t
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
        summary = (child.stdout.strip().splitlines() or [""])[-1]
        self.stdout.write(f"import (essai à blanc) : {summary} en {seconds:.1f} s, code de sortie {child.returncode}")
        if child.returncode not in (0, 1):
            self.stderr.write(child.stderr[-2000:])
        ok = peak_mb <= opts["target"] and child.returncode in (0, 1)
        label = f"mémoire de pointe, CSV de {path.stat().st_size / 1e6:.0f} Mo"
        peak = f"{peak_mb:,.0f}".replace(",", " ")
        self.stdout.write(f"{label:<46} {peak:>12} Mo      (cible <= {opts['target']}) {'OK' if ok else 'NON'}")
