"""The import pipeline: read -> map columns -> normalise -> validate -> geocode -> upsert (one
transaction) -> report. `import_file` is the one entry point (command, demo loader, benchmark).

Rows stream from the reader through validation: only the candidates (what will be written) are
kept, never the file. The run record (`runs.py`) is finished whatever happens, and says what was
written.
"""

import gc
import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import connection, transaction

from annuaire import jobs
from dispositifs import side_tables
from dispositifs.themes import ThemeIndex
from territoires.text import fold

from . import datainclusion, runs, writer
from .columns import MissingColumns, UnknownProfile, field_for, find_header, load_profile, recognise
from .gazetteer import Gazetteer
from .geocode import ban_enabled, geocode_candidates
from .lieux import join_target, merge
from .limits import check_file, column_letters
from .models import ImportRun
from .normalise import RowContext, normalise_row
from .points import check_lieux
from .readers import FileRefused, Limits, UnreadableFile, cell_text, read_file
from .report import ERROR, WARNING, Counts, Problem, Report

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2
FLUSH_ROWS = 20_000  # candidates held in memory before they are written (same transaction)


@dataclass
class ImportResult:
    run: ImportRun
    counts: Counts
    report: Report
    exit_code: int
    message: str = ""
    timings: dict = field(default_factory=dict)

    def summary(self) -> str:
        return self.counts.summary()


@dataclass
class _State:
    """What a run has done so far, for the record whatever the outcome."""

    counts: Counts = field(default_factory=Counts)
    report: Report = field(default_factory=Report)
    timings: dict = field(default_factory=dict)
    written: bool = False


class _Window:
    """`normalise_row(index, ctx, sheet)` reads `sheet.rows[index]`: a one-row view of the stream,
    so streamed rows are never collected."""

    __slots__ = ("rows", "lines")

    def set(self, index: int, line: int, cells: list) -> "_Window":
        self.rows, self.lines = {index: cells}, {index: line}
        return self


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_file(path, *, source: str, profile: str | None = None, departement: str | None = None,
                dry_run: bool = False, report_path=None, archive_missing: bool = False, user=None,
                progress=None, limits: Limits | None = None) -> ImportResult:
    """Import one file for one source. Every data row ends up created, updated, unchanged or
    rejected; nothing is written when the file cannot be read, on --dry-run, or on any crash.

    `progress(n, total)` is called as rows are processed (`total` is None while a file streams).
    The run is finished before this returns or raises; an exception carries it as `import_run`.
    """
    path = Path(path)
    departement = (departement or "").upper().zfill(2) if departement else None
    runs.interrupt_stale()
    run = runs.start(source=source, file_name=path.name, sha256=file_sha256(path) if path.is_file() else "",
                     profile=profile or "", departement=departement or "", user=user, dry_run=dry_run,
                     archive_missing=archive_missing)
    state = _State()
    try:
        with collector_paused():
            result = _import(path, run, state, source=source, profile=profile, departement=departement,
                             dry_run=dry_run, report_path=report_path, archive_missing=archive_missing,
                             progress=progress, limits=limits or Limits.from_settings())
        if state.written and (state.counts.created or state.counts.updated or state.counts.archived):
            jobs.data_changed()  # the maps, reports and national exports are redone from the new data
        return result
    except BaseException as e:
        interrupted = isinstance(e, KeyboardInterrupt)
        what = "interrompu" if interrupted else f"échec ({type(e).__name__}: {e})"
        if state.written:
            message = f"{what} après l'écriture des données ({state.counts.summary()}) ; rapport incomplet"
        else:
            message = f"{what} : rien n'a été écrit"
            state.counts = Counts(rows=state.counts.rows)
        runs.finish(run, state.counts, state.report, message=message,
                    status=ImportRun.Status.INTERRUPTED if interrupted else ImportRun.Status.FAILED)
        e.import_run = run
        raise
    finally:
        runs.release(run)


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused for the run. A run keeps tens of thousands of
    young objects alive (rows, candidates, lieux) until their batch is written, and the collector
    walked them all again at each generation: a third of the Python time of a 20,000-row import
    (bench_import). Reference counting still frees everything that is not a cycle; collection
    resumes when the run ends."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _import(path, run, state, *, source, profile, departement, dry_run, report_path, archive_missing,
            progress, limits) -> ImportResult:
    counts, report, timings = state.counts, state.report, state.timings
    t0 = time.perf_counter()
    try:
        prof = load_profile(profile)
        if path.is_file():
            check_file(path, limits)  # before any reader, data·inclusion's included
        sheet = datainclusion.read(path, prof) or read_file(  # data·inclusion shapes first, without profile
            path, pick=lambda s: find_header(s.rows, prof) is not None, limits=limits, stream=True, check=False)
    except (UnreadableFile, FileRefused, UnknownProfile) as e:
        return _failed(run, state, str(e))
    try:
        try:
            colmap = recognise(sheet, prof)
            _refuse_duplicate_headers(colmap, prof)
            if departement:
                from territoires.models import Departement
                if not Departement.objects.filter(code=departement).exists():
                    raise UnreadableFile(f"--departement {departement} : département inconnu")
        except (UnreadableFile, MissingColumns) as e:
            return _failed(run, state, str(e))
        timings["read"] = time.perf_counter() - t0
        with transaction.atomic():
            t1 = time.perf_counter()
            with connection.cursor() as cursor:
                # Two runs for the same source would race on (source, import_key): the second waits.
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"import_dispositifs:{source}"])
            with writer.phase("gazetteer"):
                ctx = RowContext(gazetteer=Gazetteer.current(), themes=ThemeIndex(), colmap=colmap,
                                 departement=departement, defaults=prof.defaults if prof else None,
                                 geometries=sheet.geometries)
            batches = _Batches(source=source, counts=counts, report=report, colmap=colmap, ctx=ctx, timings=timings)
            # One refresh of the search's side tables for the whole run, after its last batch.
            with side_tables.deferred():
                try:
                    with writer.phase("rows"):
                        candidates, present_keys, unknown = _validate(sheet, colmap, ctx, report, counts,
                                                                      progress, flush=batches.flush)
                    if archive_missing and unknown:
                        report.add(None, "", "", f"archivage des absents non appliqué : {unknown} ligne(s) "
                                   "illisible(s) peuvent nommer des actions encore proposées", WARNING,
                                   cause="archivage-suspendu")
                    batches.write(candidates, archive_missing=archive_missing and not unknown,
                                  present_keys=present_keys)
                    del candidates
                except BaseException as e:
                    batches.settle(e)
                    raise
                t2 = time.perf_counter()
            refresh = time.perf_counter() - t2
            writer.PHASES["side tables"] += refresh
            timings["write"] = timings.get("write", 0.0) + refresh
            timings["validate"] = time.perf_counter() - t1 - timings["write"]
            if dry_run:
                transaction.set_rollback(True)
            t3 = time.perf_counter()
        timings["commit"] = time.perf_counter() - t3  # the deferred foreign-key checks of updates
    finally:
        sheet.close()
    if not dry_run:
        state.written = True
        runs.mark_written(run, counts)
    timings["total"] = time.perf_counter() - t0
    message = ""
    if report_path:
        try:
            report.write_csv(report_path)
        except OSError as e:
            message = f"rapport {report_path} non écrit ({e.strerror or e})"
    status = ImportRun.Status.PARTIAL if counts.rejected else ImportRun.Status.SUCCESS
    runs.finish(run, counts, report, status=status, message=message)
    return ImportResult(run, counts, report, EXIT_REJECTED if counts.rejected else EXIT_OK,
                        message=run.message, timings=timings)


class _Batches:
    """Writes validated candidates FLUSH_ROWS at a time inside the run's transaction, so memory is
    bounded by the batch, not the file; a file below FLUSH_ROWS rows is written in one go.

    The side-table rows of a batch in the middle of the file are computed by PostgreSQL while the
    next batch is read and validated: those statements go out in a pipeline without waiting, and
    the next write (or `settle`) waits for them; an error in them fails the run there."""

    def __init__(self, *, source, counts, report, colmap, ctx, timings):
        self.source, self.counts, self.report, self.colmap, self.ctx = source, counts, report, colmap, ctx
        self.timings = timings
        self.pipeline = None

    def flush(self, candidates) -> None:
        """A batch in the middle of the file (`_validate`'s callback)."""
        self.write(candidates, behind=True)

    def settle(self, error: BaseException | None = None) -> None:
        """Wait for the statements sent behind (raises their error, unless `error` is already on its way)."""
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is not None:
            pipeline.__exit__(type(error) if error else None, error, error.__traceback__ if error else None)

    def write(self, candidates, *, archive_missing: bool = False, present_keys=frozenset(),
              behind: bool = False) -> None:
        t = time.perf_counter()
        with writer.phase("side tables behind"):
            self.settle()
        with writer.phase("points"):  # points far from their commune, checked in one batch
            self.report.extend(check_lieux(self.ctx.suspects, label=self.colmap.label))
            self.ctx.suspects.clear()
        if ban_enabled():
            with writer.phase("ban"):
                self.report.extend(geocode_candidates(candidates, address_label=self.colmap.label("address")))
        with writer.phase("hash"):
            for cand in candidates:
                cand.content_hash = writer.content_hash(cand)
        result = writer.upsert(candidates, source=self.source, archive_missing=archive_missing,
                               present_keys=present_keys)
        self.counts.created += result.created
        self.counts.updated += result.updated
        self.counts.unchanged += result.unchanged
        self.counts.archived += result.archived
        if behind and psycopg.Pipeline.is_supported():
            self.pipeline = connection.connection.pipeline()
            self.pipeline.__enter__()
            with connection.cursor() as cursor:
                side_tables.refresh_pending(cursor)
        self.timings["write"] = self.timings.get("write", 0.0) + time.perf_counter() - t


def _failed(run, state, message: str) -> ImportResult:
    """The file was refused before anything was written: exit 2 and one sentence."""
    runs.finish(run, state.counts, state.report, status=ImportRun.Status.FAILED, message=message)
    return ImportResult(run, state.counts, state.report, EXIT_UNREADABLE, message=message, timings=state.timings)


def _refuse_duplicate_headers(colmap, profile) -> None:
    """Two columns with the same recognised header: which one holds the data is a guess, so the
    file is refused, naming both (columns with unknown headers are not read and may repeat)."""
    seen: dict[str, int] = {}
    for idx, header in enumerate(colmap.headers):
        key = fold(header)
        if not key or field_for(header, profile) is None:
            continue
        if key in seen and {seen[key], idx} <= (colmap.filled or {seen[key], idx}):  # else values win
            first = seen[key]
            raise UnreadableFile(
                f"en-têtes en double : « {colmap.headers[first]} » en colonne {column_letters(first + 1)} "
                f"({first + 1}e) et « {header} » en colonne {column_letters(idx + 1)} ({idx + 1}e) ; "
                "renommez ou supprimez l'une des deux")
        seen[key] = idx


def _rows(sheet, colmap):
    """(index, line, cells, reading problems) of every row after the header: the rows already
    read, then the stream."""
    for index in range(colmap.header_index + 1, len(sheet.rows)):
        yield index, sheet.lines[index], sheet.rows[index], sheet.problems.get(index, ())
    index = len(sheet.rows)
    for line, cells, problems in sheet.rest or ():
        yield index, line, cells, problems
        index += 1


def _blank(row) -> bool:
    for c in row:
        if c is None or c == "" or (isinstance(c, str) and not c.strip()):
            continue
        return False
    return True


def _validate(sheet, colmap, ctx, report, counts, progress, *, flush):
    """The candidates not yet written, the import keys present in the file, and how many rejected
    rows could not be read at all (their dispositif is unknown, so --archive-missing must not run).

    Every FLUSH_ROWS candidates, `flush(candidates)` writes them; `seen` then keeps only their line."""
    candidates, present_keys, unknown = [], set(), 0
    seen: dict[str, object] = {}  # import key -> its Candidate, or its line once written
    step, done, window = 1000, 0, _Window()
    ext_col = ctx.colmap.fields.get("external_id")
    for index, line, row, read_problems in _rows(sheet, colmap):
        if read_problems:
            report.extend(read_problems)
            if any(p.severity == ERROR for p in read_problems):
                counts.rows += 1
                counts.rejected += 1
                if ext_col is not None and ext_col < len(row) and cell_text(row[ext_col]):
                    present_keys.add(writer.external_key(cell_text(row[ext_col])))
                elif not row:
                    unknown += 1
                continue
        if _blank(row):
            continue
        counts.rows += 1
        cand, problems = normalise_row(index, ctx, window.set(index, line, row))
        report.extend(problems)
        merged = False
        if cand is not None:
            cand.import_key = writer.import_key(cand)
            first = join_target(cand, seen, writer.place_key)  # may re-key a row (imports.lieux)
            present_keys.add(cand.import_key)
            if isinstance(first, int) and cand.fields.get("external_id"):
                report.extend([Problem(cand.line, ctx.colmap.label("external_id"), cand.fields["external_id"],
                                       f"identifiant déjà donné ligne {first}, plus de {FLUSH_ROWS:,} lignes plus "
                                       "haut : dans un si grand fichier, placez les lignes d'un même identifiant "
                                       "les unes après les autres ; ligne ignorée".replace(",", " "), ERROR,
                                       "identifiant-disperse")])
                cand = None
            elif first is not None and (cand.fields.get("external_id") or cand.structure):
                # Same identifiant: one dispositif, this row adds its lieu (or is rejected if it disagrees).
                problem = merge(first, cand, colmap=ctx.colmap, row=row)
                if problem is None:
                    merged = True
                else:
                    report.extend([problem])
                    cand = None
            elif first is not None:
                report.extend([Problem(cand.line, ctx.colmap.label("title"), cand.fields["title"],
                                       f"doublon de la ligne {getattr(first, 'line', first)} (même intitulé, "
                                       "structure et lieu) : "
                                       "ligne ignorée", ERROR, "doublon")])
                cand = None
            else:
                seen[cand.import_key] = cand
        if merged:
            pass  # counted with the dispositif it joined
        elif cand is None:
            counts.rejected += 1
            if ext_col is not None and ext_col < len(row) and cell_text(row[ext_col]):
                # A rejected row is still in the file: --archive-missing must not archive its dispositif.
                present_keys.add(writer.external_key(cell_text(row[ext_col])))
        else:
            candidates.append(cand)
            if len(candidates) >= FLUSH_ROWS:
                flush(candidates)
                for written in candidates:
                    seen[written.import_key] = written.line
                candidates = []
        done += 1
        if progress and done % step == 0:
            progress(step, None)
    if progress:
        progress(done % step, done)
    return candidates, present_keys, unknown
