from django.core.management.base import BaseCommand

from territoires.loader import load_territoires


class Command(BaseCommand):
    help = "Load or refresh régions, départements and communes from fixtures/territoires (idempotent)."

    def handle(self, *args, **options):
        summary = load_territoires(progress=lambda msg: self.stdout.write(f"  … {msg}"))
        self.stdout.write(
            f"régions: {summary.regions} | départements: {summary.departements} | communes: {summary.communes} "
            f"| EPCI: {summary.epcis}")
        verdict = "changes written" if summary.changed else "already up to date, nothing changed"
        self.stdout.write(f"{summary.totals()}, {summary.pieces} commune pieces; {verdict} "
                          f"in {summary.seconds:.1f} s")
