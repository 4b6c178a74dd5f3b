"""The life of an ImportRun record: started `running`, always finished (`success`, `partial`,
`failed` or `interrupted`, with a message that says what was written), never left `running` by a
process that died.

While a run is running its process holds a PostgreSQL session advisory lock on the run's id. The
lock goes away with the session, so the next import (or the admin list) can tell a live run from
a dead one without guessing: a `running` run whose lock is free was left by a dead process.
"""

import os
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import ImportRun

LOCK_SPACE = "hashtext('imports.importrun')"


def start(**fields) -> ImportRun:
    """Create the run `running`, owned by this process (advisory lock held until `finish`)."""
    run = ImportRun.objects.create(status=ImportRun.Status.RUNNING, pid=os.getpid(), **fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_lock({LOCK_SPACE}, %s)", [run.pk])
    return run


def release(run: ImportRun) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_unlock({LOCK_SPACE}, %s)", [run.pk])
    except Exception:  # noqa: BLE001 -- the session is gone, and its lock with it
        pass


def mark_written(run: ImportRun, counts) -> None:
    """Right after the import's commit: if the process dies now, the record still says data was written."""
    run.written = True
    ImportRun.objects.filter(pk=run.pk).update(
        written=True, rows=counts.rows, created=counts.created, updated=counts.updated,
        unchanged=counts.unchanged, rejected=counts.rejected, archived=counts.archived)


def finish(run: ImportRun, counts, report, *, status: str, message: str) -> ImportRun:
    """Close the record: counts, status, message, then the problems as rows. Saving the problems
    cannot undo a successful run: if it fails, the message says so and the status stays."""
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.rows, run.created, run.updated, run.unchanged = counts.rows, counts.created, counts.updated, counts.unchanged
    run.rejected, run.archived = counts.rejected, counts.archived
    run.warnings = len(report.warnings)
    run.save()
    try:
        report.save(run)
    except Exception as e:  # noqa: BLE001 -- the data is committed; the record must still say so
        run.message = (run.message + " ; " if run.message else "") + \
            f"rapport non enregistré dans la base ({type(e).__name__}: {e})"
        ImportRun.objects.filter(pk=run.pk).update(message=run.message)
    return run


def interrupt_stale() -> int:
    """Mark as interrupted the `running` runs whose process is gone (its lock is free) or that ran
    longer than IMPORT_RUN_TIMEOUT_HOURS. Returns how many were closed."""
    closed = 0
    deadline = timezone.now() - timedelta(hours=settings.IMPORT_RUN_TIMEOUT_HOURS)
    for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING).only("pk", "started_at", "written"):
        if run.started_at >= deadline and _alive(run):
            continue
        why = "le processus de l'import s'est arrêté avant la fin" if run.started_at >= deadline else \
            f"aucune fin enregistrée après {settings.IMPORT_RUN_TIMEOUT_HOURS} h"
        written = "les données avaient été écrites, le rapport est incomplet" if run.written else \
            "rien n'a été écrit"
        closed += ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.INTERRUPTED, finished_at=timezone.now(), message=f"interrompu : {why} ; {written}")
    return closed


def _alive(run: ImportRun) -> bool:
    """True when a session (this one included) holds the run's lock: its process is still importing."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                       f"AND classid = {LOCK_SPACE}::oid AND objid = %s::oid AND objsubid = 2 "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
                       [run.pk])
        return cursor.fetchone()[0]
