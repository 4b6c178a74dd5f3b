import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand

from imports.columns import UnknownProfile, available_profiles, build_profile
from imports.datainclusion import with_structures
from imports.limits import MB, Limits
from imports.progress import ProgressBar
from imports.report import Counts
from imports.services import EXIT_OK, EXIT_UNREADABLE, import_file
from imports.summary import summary_lines


class Command(BaseCommand):
    help = ("Import a spreadsheet of dispositifs (CSV, XLSX, ODS, GeoJSON). Exit 0: every row imported; "
            "1: some rows rejected (see --report); 2: the file could not be read or was refused (too big, "
            "see IMPORT_MAX_* settings), nothing written.")

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
        parser.add_argument("--theme", action="append", default=[], metavar="SLUG",
                            help="theme given to rows that have none (repeatable); makes the theme column optional")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=VALUE:slug",
                            help="read a source's own value as ours, e.g. --map categorie=3:numerique (repeatable)")
        parser.add_argument("--structures", type=Path, metavar="FILE",
                            help="data·inclusion structures file (JSON, CSV or XLSX) for a services file")
        parser.add_argument("--max-size", type=int, metavar="MO",
                            help="refuse files bigger than this many MB (default: IMPORT_MAX_FILE_MB setting)")

    def handle(self, *args, **opts):
        tty = hasattr(self.stdout._out, "isatty") and self.stdout._out.isatty()
        bar = None

        def progress(n, total):
            nonlocal bar
            if bar is None:
                bar = ProgressBar(total, stream=self.stdout._out)
            bar(n, total)

        profile = opts["profile"]
        if opts["theme"] or opts["map"]:
            try:
                profile = build_profile(profile, themes=opts["theme"], maps=opts["map"])
            except UnknownProfile as e:
                self.stderr.write(str(e))
                self.stdout.write(Counts().summary())
                sys.exit(EXIT_UNREADABLE)
        if opts["structures"]:
            profile = with_structures(profile, opts["structures"])
        limits = Limits.from_settings(max_file_bytes=opts["max_size"] * MB if opts["max_size"] else None)
        try:
            with _sigterm_as_interrupt():
                result = import_file(opts["file"], source=opts["source"], profile=profile,
                                     departement=opts["departement"], dry_run=opts["dry_run"],
                                     report_path=opts["report"], archive_missing=opts["archive_missing"],
                                     progress=progress if tty else None, limits=limits)
        except KeyboardInterrupt as e:
            self.stderr.write(f"\n{_crash_line(e, opts['file'])}")
            self.stdout.write(_counts(e).summary())
            sys.exit(130)
        except Exception as e:
            if opts.get("traceback"):
                raise
            self.stderr.write(f"{_crash_line(e, opts['file'])} ; relancez avec --traceback pour le détail")
            self.stdout.write(_counts(e).summary())
            sys.exit(2)
        if bar is not None:
            bar.close()
        if result.exit_code == EXIT_UNREADABLE:
            self.stderr.write(f"{opts['file']} : {result.message}" if not result.message.startswith(
                opts["file"].name) else result.message)
        else:
            errors, warnings = len(result.report.errors), len(result.report.warnings)
            written = " (essai à blanc : rien n'a été écrit)" if opts["dry_run"] else \
                f" ; enregistré (import n° {result.run.pk})"
            self.stdout.write(f"{opts['file'].name} : {_n(result.counts.rows, 'ligne')}, {_n(errors, 'erreur')}, "
                              f"{_n(warnings, 'avertissement')}{written}")
            for line in summary_lines(result.report.problems):
                self.stdout.write(f"  {line}")
            if result.message:
                self.stderr.write(f"{opts['file']} : {result.message}")
            if opts["report"]:
                self.stdout.write(f"rapport : {opts['report']}")
            if opts["archive_missing"]:
                self.stdout.write(f"archivés : {result.counts.archived}")
        self.stdout.write(result.summary())
        if result.exit_code != EXIT_OK:
            sys.exit(result.exit_code)


@contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (docker stop, systemd, kill) ends an import like Ctrl-C: the transaction is rolled
    back and the run recorded `interrupted` before the process exits."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _crash_line(error: BaseException, path) -> str:
    """What the console says after a crash, true to the run record: written or not."""
    run = getattr(error, "import_run", None)
    what = "import interrompu" if isinstance(error, KeyboardInterrupt) else \
        f"échec de l'import ({type(error).__name__}: {error})"
    if run is not None and run.written:
        return f"{path} : {what} après l'écriture des données ({run.summary()}) ; le rapport est incomplet"
    if isinstance(error, KeyboardInterrupt):
        return f"{path} : {what} : la transaction est annulée, rien n'a été écrit"
    return f"{path} : échec de l'import, rien n'a été écrit ({type(error).__name__}: {error})"


def _counts(error: BaseException) -> Counts:
    run = getattr(error, "import_run", None)
    if run is not None and run.written:
        return Counts(rows=run.rows, created=run.created, updated=run.updated, unchanged=run.unchanged,
                      rejected=run.rejected)
    return Counts()


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"
