"""Housekeeping of the search's side tables, run by the job runner (procrastinate, `make demo` starts it)."""

from django.db import connection
from procrastinate.contrib.django import app


def prune_generations() -> int:
    """Delete every generation row but the newest, and the national slices counted for an older one or
    an earlier day: the search only reads `max(id)` and the slices of it (docs/ARCHITECTURE.md, "The
    search path", national slice), and each write statement adds a row, so the tables would grow forever.
    A row a writer has not committed yet is invisible here, hence kept. Returns the rows deleted."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dispositifs_recherche_generation "
                       "WHERE id < (SELECT max(id) FROM dispositifs_recherche_generation)")
        deleted = cursor.rowcount
        cursor.execute("DELETE FROM dispositifs_recherche_nationale WHERE jour < CURRENT_DATE "
                       "OR generation < (SELECT max(id) FROM dispositifs_recherche_generation)")
        return deleted + cursor.rowcount


@app.periodic(cron="17 3 * * *", periodic_id="recherche-generations")
@app.task(queue="maintenance", name="dispositifs.prune_generations", queueing_lock="recherche-generations")
def prune_generations_daily(timestamp: int | None = None) -> int:
    return prune_generations()
