"""Background jobs of the maps app (procrastinate, run by `manage.py procrastinate worker`).

Maps and couverture reports are computed here, never in a request: on first request (queued by the
views with a lock so a crowd makes one job), after an import (`refresh_stored.defer()`) and on a
schedule (every 10 minutes: what the data changed or what aged beyond MAPS_MAX_AGE is redone).
"""

import logging

from procrastinate.contrib.django import app

from annuaire.jobs import PRIORITY_VISITOR

from . import stored

log = logging.getLogger(__name__)


@app.task(queue="maps", name="maps.render_map", priority=PRIORITY_VISITOR)
def render_map(*, name: str) -> str:
    return ", ".join(stored.render_map_file(name))


@app.task(queue="maps", name="maps.compute_couverture", priority=PRIORITY_VISITOR)
def compute_couverture(*, theme: str, km: float, departement: str | None = None) -> str:
    paths = stored.compute_couverture(theme=theme, km=km, departement=departement)
    return str(paths["json"])


@app.periodic(cron="*/10 * * * *", periodic_id="maps-refresh")
@app.task(queue="maps", name="maps.refresh_stored", queueing_lock="maps-refresh")
def refresh_stored(timestamp: int | None = None) -> str:
    """Redo every stored map and report whose data changed or that aged; keep the France map and the
    national French-class report ready. Returns a summary line (kept in the job's log)."""
    stamp = stored.data_stamp()
    changed = stamp != stored.recorded_stamp()
    redone = failed = 0
    names = {"france-densite.html", "france-densite.png"} | {p.name for p in stored.stored_maps()}
    done: set[str] = set()
    for name in sorted(names, key=lambda n: (not n.endswith(".png"), n)):  # a PNG brings its HTML twin
        if name not in done and (changed or not stored.is_fresh(stored.maps_dir() / name)):
            try:
                done.update(stored.render_map_file(name))
            except Exception:  # one broken map must not keep the others stale; the next tick tries again
                log.exception("carte %s", name)
                failed += 1
                continue
            redone += 1
    wanted = [{"theme": stored.DEFAULT_COUVERTURE_THEME, "km": 10.0, "departement": None},
              *stored.stored_couvertures()]
    seen = set()
    for params in wanted:
        key = (params["theme"], params["km"], params["departement"])
        if key in seen:
            continue
        seen.add(key)
        json_path = stored.couverture_paths(**params)["json"]
        if changed or not stored.is_fresh(json_path):
            try:
                stored.compute_couverture(**params)
            except LookupError as exc:  # a theme or département that no longer exists
                log.warning("couverture %s : %s", key, exc)
                continue
            except Exception:
                log.exception("couverture %s", key)
                failed += 1
                continue
            redone += 1
    stored.record_stamp(stamp)  # a file that failed stays old: is_fresh() sends it back here within MAPS_MAX_AGE
    return f"{redone} fichiers refaits, {failed} en échec (données {'modifiées' if changed else 'inchangées'})"


def queue_refresh() -> bool:
    """Ask for the refresh now (after an import, say) rather than at the next tick; one job at most waits."""
    from annuaire.jobs import defer_once

    return defer_once(refresh_stored, lock="maps-refresh")
