"""GET /api/v1/exports/<format>/?departement=CODE | region=CODE | all=1 — the same files as the
`export_dispositifs` command, with attribution and date: inside the file for GeoJSON (`metadata`),
XLSX (sheet « À propos ») and data·inclusion (`metadata`), in the `X-Attribution`,
`X-Licence` and `X-Export-Date` headers for all formats (CSV has no standard place for it).

A request does at most ~2 s of work (issue #10): a territory's CSV/GeoJSON is streamed as
PostgreSQL's COPY writes it; the national exports (`all=1`) are files the job runner keeps ready
(maps/exports/stored.py), served as they are, with a 202 « en préparation » before the first one
exists. Anonymous clients are rate-limited like the other heavy endpoints (annuaire/limits.py).
"""

import io
import tempfile

from django.http import FileResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from annuaire.jobs import defer_once
from annuaire.limits import heavy

from ..exports import FORMATS, STREAMED, ScopeError, chunks, export, filename, make_scope, metadata, stored
from .common import ATTRIBUTION_ASCII, error

RETRY_AFTER = 60  # seconds: a national export is written in well under a minute


def _queue_refresh() -> None:
    from ..exports.tasks import refresh_national

    defer_once(refresh_national, lock="exports-refresh")


def _attributed(response, *, date: str, count=None):
    response["X-Attribution"] = ATTRIBUTION_ASCII
    response["X-Licence"] = "Licence Ouverte 2.0 (Etalab)"
    response["X-Export-Date"] = date
    if count is not None:
        response["X-Export-Count"] = str(count)
    return response


def _national(scope, fmt: str, content_type: str):
    """The stored national file; a stale one is served (its date says so) while a job redoes it."""
    info = stored.stored_info(fmt)
    if info is None or not stored.is_fresh(fmt, stamp=stored.data_stamp()):
        _queue_refresh()
    if info is None:
        response = JsonResponse({"detail": "L'export national est en préparation : réessayez dans une minute.",
                                 "statut": "en-preparation"}, status=202, json_dumps_params={"ensure_ascii": False})
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    response = FileResponse(open(info["path"], "rb"), content_type=content_type,  # noqa: SIM115 (closed by Django)
                            as_attachment=True, filename=filename(scope, fmt))
    return _attributed(response, date=info["date"], count=info["count"])


@heavy
@require_GET
def export_view(request, fmt: str = ""):
    fmt = fmt or request.GET.get("format", "")
    if fmt not in FORMATS:
        return error(400, f"format inconnu : « {fmt} ». Formats possibles : {', '.join(FORMATS)}.")
    try:
        scope = make_scope(departement=request.GET.get("departement"), region=request.GET.get("region"),
                           all=request.GET.get("all", "").lower() in {"1", "true", "oui", "yes"})
    except ScopeError as exc:
        return error(404 if "inconnu" in str(exc) else 400, str(exc))
    _ext, content_type, binary = FORMATS[fmt]
    if scope.kind == "all":
        return _national(scope, fmt, content_type)
    meta = metadata(scope)
    disposition = f'attachment; filename="{filename(scope, fmt)}"'
    if fmt in STREAMED:
        response = StreamingHttpResponse(chunks(scope, fmt, meta=meta), content_type=content_type)
        response["Content-Disposition"] = disposition
        return _attributed(response, date=meta["date"])
    # XLSX and data·inclusion of one territory: written to a temporary file, then streamed from it.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it, which deletes it)
    base_url = request.build_absolute_uri("/").rstrip("/")
    if binary:
        count = export(scope, fmt, spool, base_url=base_url)
    else:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        count = export(scope, fmt, text, base_url=base_url)
        text.flush()
        text.detach()
    spool.seek(0)
    response = FileResponse(spool, content_type=content_type)
    response["Content-Disposition"] = disposition
    return _attributed(response, date=meta["date"], count=count)
