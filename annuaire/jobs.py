"""The job runner: procrastinate on the project's PostgreSQL (no broker to run).

Tasks live in `<app>/tasks.py` (found by procrastinate's Django integration); `manage.py
procrastinate worker` (`make worker`, started by `make demo`) runs them and the periodic ones.
This module holds the two ways the rest of the code talks to it.
"""

from django.db import transaction
from procrastinate import exceptions
from procrastinate.contrib.django import app


def defer_once(task, *, lock: str, **kwargs) -> bool:
    """Queue `task(**kwargs)` unless a job with the same `lock` is already waiting; True when queued.

    Many requests asking for the same missing map or report make one job, not one each."""
    try:
        with transaction.atomic():  # a savepoint: the refused insert must not poison a caller's transaction
            task.configure(queueing_lock=lock).defer(**kwargs)
    except exceptions.AlreadyEnqueued:
        return False
    return True


def run_pending_jobs(*, queues: list[str] | None = None) -> None:
    """Run every job already queued, in this process, then return (commands and tests; the web
    never calls it: a request only queues)."""
    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(queues=queues, wait=False, install_signal_handlers=False, listen_notify=False)
