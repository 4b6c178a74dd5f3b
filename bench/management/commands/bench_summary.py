"""python manage.py bench_summary var/bench/search.log var/bench/import.log …

The table `make bench` ends with: every verdict line (figure, target, OK or NON) of each
benchmark's log, the benchmark named after its log file, and the machine's load now."""

from pathlib import Path

from django.core.management.base import BaseCommand

from bench.report import summary_table


class Command(BaseCommand):
    help = "Tableau récapitulatif des benchmarks (lignes « … OK » / « … NON » de leurs journaux)."

    def add_arguments(self, parser):
        parser.add_argument("logs", nargs="+", help="journaux des benchmarks (le nom du fichier nomme la ligne)")

    def handle(self, *args, **opts):
        self.stdout.write(summary_table({Path(p).stem: Path(p) for p in opts["logs"]}))
