"""Background job of the exports: the national files (stored.py), redone when the data changed.

Registered through settings.PROCRASTINATE_IMPORT_PATHS (procrastinate discovers `<app>/tasks.py`
only, and this module belongs to the exports package). Queued every 15 minutes, and by the export
API when a national file is missing or stale (with a lock: a crowd makes one job).
"""

from procrastinate.contrib.django import app

from . import stored


@app.periodic(cron="*/15 * * * *", periodic_id="exports-refresh")
@app.task(queue="exports", name="maps.exports.refresh_national", queueing_lock="exports-refresh")
def refresh_national(timestamp: int | None = None) -> str:
    redone = stored.refresh_national()
    return f"exports nationaux refaits : {', '.join(redone) or 'aucun (données inchangées)'}"
