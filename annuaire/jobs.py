"""The job runner: procrastinate on the project's PostgreSQL (no broker to run).

Tasks live in `<app>/tasks.py` (found by procrastinate's Django integration); `manage.py
procrastinate worker` (`make worker`, started by `make demo`) runs them and the periodic ones.
This module holds the priorities, the way the web queues a job once, and what a data change queues.
"""

from django.db import connection, transaction
from procrastinate import exceptions
from procrastinate.contrib.django import app

# A job's priority says who waits for it: a person on a page (an import preview), a visitor who asked
# for a map, nobody (the periodic refreshes, priority 0). The worker takes the highest first, and runs
# WORKER_CONCURRENCY jobs at once so that a long refresh never holds an import preview behind it.
PRIORITY_PERSON = 20
PRIORITY_VISITOR = 10
WORKER_CONCURRENCY = 2


def defer_once(task, *, lock: str, **kwargs) -> bool:
    """Queue `task(**kwargs)` unless a job with the same `lock` is already waiting or running; True
    when queued.

    Many requests asking for the same missing map or report make one job, not one each, even when the
    worker has already taken the first one (procrastinate's queueing lock only covers waiting jobs)."""
    with connection.cursor() as cursor:  # procrastinate's index on the lock of running jobs
        cursor.execute("SELECT 1 FROM procrastinate_jobs WHERE lock = %s AND status = 'doing'", [lock])
        if cursor.fetchone():
            return False
    try:
        with transaction.atomic():  # a savepoint: the refused insert must not poison a caller's transaction
            task.configure(queueing_lock=lock, lock=lock).defer(**kwargs)
    except exceptions.AlreadyEnqueued:
        return False
    return True



# What is computed ahead from the data (maps/tasks.py, maps/exports/tasks.py), by task name: the apps
# that own it sit beside the writers (imports), not under them.
REFRESH_TASKS = {"maps.refresh_stored": "maps-refresh", "maps.exports.refresh_national": "exports-refresh"}


def data_changed() -> None:
    """After an import wrote: queue the refresh of the stored maps, reports and national exports (one
    job each however many imports ask; the periodic run would otherwise come within 15 minutes)."""
    for name, lock in REFRESH_TASKS.items():
        try:
            with transaction.atomic():
                app.configure_task(name=name, queueing_lock=lock).defer()
        except exceptions.AlreadyEnqueued:
            pass
