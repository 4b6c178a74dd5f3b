import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from imports.columns import available_profiles
from imports.progress import ProgressBar
from imports.report import Counts
from imports.services import EXIT_OK, import_file


class Command(BaseCommand):
    help = ("Import a spreadsheet of dispositifs (CSV, XLSX, ODS, GeoJSON). Exit 0: every row imported; "
            "1: some rows rejected (see --report); 2: the file could not be read, nothing written.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="slug of the data producer, e.g. ddets-69")
        parser.add_argument("--profile",
                            help=f"column profile from imports/profiles/ ({', '.join(available_profiles())})")
        parser.add_argument("--departement", help="code of the département meant by « Tout le département »")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--report", type=Path, help="write the problems to this CSV file")
        parser.add_argument("--archive-missing", action="store_true",
                            help="archive (never delete) this source's dispositifs absent from the file")

    def handle(self, *args, **opts):
        tty = hasattr(self.stdout._out, "isatty") and self.stdout._out.isatty()
        bar = None

        def progress(n, total):
            nonlocal bar
            if bar is None:
                bar = ProgressBar(total, stream=self.stdout._out)
            bar(n)

        try:
            result = import_file(opts["file"], source=opts["source"], profile=opts["profile"],
                                 departement=opts["departement"], dry_run=opts["dry_run"],
                                 report_path=opts["report"], archive_missing=opts["archive_missing"],
                                 progress=progress if tty else None)
        except KeyboardInterrupt:
            self.stderr.write("\ninterrompu : la transaction est annulée, rien n'a été écrit")
            self.stdout.write(Counts().summary())
            sys.exit(130)
        except Exception as e:
            if opts.get("traceback"):
                raise
            self.stderr.write(f"{opts['file']} : échec de l'import, rien n'a été écrit ({type(e).__name__}: {e}) ; "
                              "relancez avec --traceback pour le détail")
            self.stdout.write(Counts().summary())
            sys.exit(2)
        if bar is not None:
            bar.close()
        if result.message:
            self.stderr.write(f"{opts['file']} : {result.message}")
        else:
            errors, warnings = len(result.report.errors), len(result.report.warnings)
            self.stdout.write(f"{opts['file'].name} : {_n(result.counts.rows, 'ligne')}, {_n(errors, 'erreur')}, "
                              f"{_n(warnings, 'avertissement')}" + (" (essai à blanc : rien n'a été écrit)"
                                                                    if opts["dry_run"] else ""))
            if opts["report"]:
                self.stdout.write(f"rapport : {opts['report']}")
            if opts["archive_missing"]:
                self.stdout.write(f"archivés : {result.counts.archived}")
        self.stdout.write(result.summary())
        if result.exit_code != EXIT_OK:
            sys.exit(result.exit_code)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"
