from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from imports.services import EXIT_UNREADABLE, import_file

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
# file -> (source slug, import options). Sources are per producer, as a real deployment would have.
DEMO_FILES = {
    "bourgogne-franche-comte.xlsx": ("demo-dreets-bfc", {}),
    "ain-ddets.csv": ("demo-ddets-01", {"departement": "01"}),
    "gironde-agir.ods": ("demo-agir-33", {"departement": "33"}),
    "offres-nationales.geojson": ("demo-national", {"profile": "datainclusion"}),
}


class Command(BaseCommand):
    help = ("Import the fictitious demo files of fixtures/demo/ through the import pipeline (idempotent: "
            "a second run creates and updates nothing). The deliberate errors of the files are reported as "
            "rejected rows; the command fails only when a file cannot be read.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=DEMO_DIR)

    def handle(self, *args, **opts):
        directory = opts["dir"]
        unreadable = []
        totals = [0, 0, 0, 0]
        for name, (source, options) in DEMO_FILES.items():
            path = directory / name
            result = import_file(path, source=source, **options)
            if result.exit_code == EXIT_UNREADABLE:
                unreadable.append(f"{name}: {result.message}")
                self.stderr.write(f"{name} : {result.message}")
                continue
            c = result.counts
            totals = [totals[0] + c.created, totals[1] + c.updated, totals[2] + c.unchanged, totals[3] + c.rejected]
            self.stdout.write(f"{name} ({source}) : {c.summary()}")
        self.stdout.write(f"demo: created={totals[0]} updated={totals[1]} unchanged={totals[2]} rejected={totals[3]}"
                          " (rejected rows are the deliberate errors of the demo files)")
        if unreadable:
            raise CommandError("unreadable demo files: " + "; ".join(unreadable), returncode=2)
