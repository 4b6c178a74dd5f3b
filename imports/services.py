"""The import pipeline: read -> map columns -> normalise -> validate -> geocode -> upsert (one
transaction) -> report. `import_file` is the one entry point (command, demo loader, benchmark).
"""

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from dispositifs.themes import ThemeIndex

from . import writer
from .columns import MissingColumns, UnknownProfile, find_header, load_profile, recognise
from .gazetteer import Gazetteer
from .geocode import ban_enabled, geocode_candidates
from .lieux import merge
from .models import ImportRun
from .normalise import RowContext, normalise_row
from .readers import UnreadableFile, cell_text, read_file
from .report import ERROR, Counts, Problem, Report

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2


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


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_file(path, *, source: str, profile: str | None = None, departement: str | None = None,
                dry_run: bool = False, report_path=None, archive_missing: bool = False, user=None,
                progress=None) -> ImportResult:
    """Import one file for one source. Every data row ends up created, updated, unchanged or
    rejected; nothing is written when the file cannot be read, on --dry-run, or on any crash.

    `progress(n, total)` is called as rows are processed (a progress bar); exit codes per DESIGN.md §4.
    """
    path = Path(path)
    departement = (departement or "").upper().zfill(2) if departement else None
    run = ImportRun.objects.create(
        source=source, file_name=path.name, sha256=file_sha256(path) if path.is_file() else "",
        profile=profile or "", departement=departement or "", user=user, dry_run=dry_run,
        archive_missing=archive_missing)
    counts, report, timings = Counts(), Report(), {}
    try:
        t0 = time.perf_counter()
        prof = load_profile(profile)
        sheet = read_file(path, pick=lambda s: find_header(s.rows, prof) is not None)
        colmap = recognise(sheet, prof)
        timings["read"] = time.perf_counter() - t0
    except (UnreadableFile, MissingColumns, UnknownProfile) as e:
        _finish(run, counts, report, status=ImportRun.Status.FAILED, message=str(e))
        return ImportResult(run, counts, report, EXIT_UNREADABLE, message=str(e), timings=timings)

    data_rows = [i for i in range(colmap.header_index + 1, len(sheet.rows)) if not _blank(sheet.rows[i])]
    counts.rows = len(data_rows)
    try:
        with transaction.atomic():
            t1 = time.perf_counter()
            with connection.cursor() as cursor:
                # Two runs for the same source would race on (source, import_key): the second waits.
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"import_dispositifs:{source}"])
            if departement:
                from territoires.models import Departement
                if not Departement.objects.filter(code=departement).exists():
                    raise UnreadableFile(f"--departement {departement} : département inconnu")
            with writer.phase("gazetteer"):
                ctx = RowContext(gazetteer=Gazetteer.current(), themes=ThemeIndex(), colmap=colmap,
                                 departement=departement, defaults=prof.defaults if prof else None,
                                 geometries=sheet.geometries)
            with writer.phase("rows"):
                candidates, present_keys = _validate(sheet, data_rows, ctx, report, counts, progress)
            if ban_enabled():
                with writer.phase("ban"):
                    report.extend(geocode_candidates(candidates, address_label=colmap.label("address")))
            with writer.phase("hash"):
                for cand in candidates:
                    cand.content_hash = writer.content_hash(cand)
            timings["validate"] = time.perf_counter() - t1
            t2 = time.perf_counter()
            result = writer.upsert(candidates, source=source, archive_missing=archive_missing,
                                   present_keys=present_keys)
            counts.created, counts.updated, counts.unchanged = result.created, result.updated, result.unchanged
            counts.archived = result.archived
            timings["write"] = time.perf_counter() - t2
            if dry_run:
                transaction.set_rollback(True)
            t3 = time.perf_counter()
        timings["commit"] = time.perf_counter() - t3  # deferred foreign-key checks run here
    except UnreadableFile as e:
        _finish(run, Counts(rows=counts.rows), report, status=ImportRun.Status.FAILED, message=str(e))
        return ImportResult(run, Counts(rows=counts.rows), report, EXIT_UNREADABLE, message=str(e), timings=timings)
    except KeyboardInterrupt:
        _finish(run, Counts(rows=counts.rows), report, status=ImportRun.Status.INTERRUPTED,
                message="interrompu : rien n'a été écrit")
        raise
    except Exception as e:
        _finish(run, Counts(rows=counts.rows), report, status=ImportRun.Status.FAILED,
                message=f"échec, rien n'a été écrit : {type(e).__name__}: {e}")
        raise
    timings["total"] = time.perf_counter() - t0
    if report_path:
        report.write_csv(report_path)
    status = ImportRun.Status.PARTIAL if counts.rejected else ImportRun.Status.SUCCESS
    _finish(run, counts, report, status=status, message="")
    return ImportResult(run, counts, report, EXIT_REJECTED if counts.rejected else EXIT_OK, timings=timings)


def _blank(row) -> bool:
    for c in row:
        if c is None or c == "" or (isinstance(c, str) and not c.strip()):
            continue
        return False
    return True


def _validate(sheet, data_rows, ctx, report, counts, progress):
    candidates, seen, present_keys = [], {}, set()
    step, done = 1000, 0
    for i in data_rows:
        cand, problems = normalise_row(i, ctx, sheet)
        report.extend(problems)
        merged = False
        if cand is not None:
            cand.import_key = writer.import_key(cand)
            present_keys.add(cand.import_key)
            first = seen.get(cand.import_key)
            if first is not None and cand.fields.get("external_id"):
                # Same identifiant: one dispositif, this row adds its lieu (or is rejected if it disagrees).
                problem = merge(first, cand, colmap=ctx.colmap, row=sheet.rows[i])
                if problem is None:
                    merged = True
                else:
                    report.extend([problem])
                    cand = None
            elif first is not None:
                report.extend([Problem(cand.line, ctx.colmap.label("title"), cand.fields["title"],
                                       f"doublon de la ligne {first.line} (même intitulé, structure et lieu) : "
                                       "ligne ignorée", ERROR)])
                cand = None
            else:
                seen[cand.import_key] = cand
        if merged:
            pass  # counted with the dispositif it joined
        elif cand is None:
            counts.rejected += 1
            ext_col = ctx.colmap.fields.get("external_id")
            row = sheet.rows[i]
            if ext_col is not None and ext_col < len(row) and cell_text(row[ext_col]):
                # A rejected row is still in the file: --archive-missing must not archive its dispositif.
                present_keys.add(writer.external_key(cell_text(row[ext_col])))
        else:
            candidates.append(cand)
        done += 1
        if progress and done % step == 0:
            progress(step, len(data_rows))
    if progress and done % step:
        progress(done % step, len(data_rows))
    return candidates, present_keys


def _finish(run: ImportRun, counts: Counts, report: Report, *, status: str, message: str) -> None:
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.rows, run.created, run.updated, run.unchanged = counts.rows, counts.created, counts.updated, counts.unchanged
    run.rejected, run.archived = counts.rejected, counts.archived
    run.warnings = len(report.warnings)
    run.report = report.as_json()
    if message and not run.report and status == ImportRun.Status.FAILED:
        run.report = [{"line": None, "column": "", "value": "", "reason": message, "severity": ERROR}]
    run.save()
