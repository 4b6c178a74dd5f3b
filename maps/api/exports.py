"""GET /api/v1/exports/<format>/?departement=CODE | region=CODE | all=1 — the same files as the
`export_dispositifs` command, with attribution and date: inside the file for GeoJSON (`metadata`),
XLSX (sheet « À propos ») and data·inclusion (`metadata`), in the `X-Attribution`,
`X-Licence` and `X-Export-Date` headers for all formats (CSV has no standard place for it)."""

import io
import tempfile

from django.http import FileResponse
from django.views.decorators.http import require_GET

from ..exports import FORMATS, ScopeError, export, filename, make_scope, metadata
from .common import ATTRIBUTION_ASCII, error


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
    # Written to a temporary file, then streamed: a national GeoJSON is ~300 MB, not for a worker's RAM.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it, which deletes it)
    if binary:
        count = export(scope, fmt, spool, base_url=request.build_absolute_uri("/").rstrip("/"))
    else:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        count = export(scope, fmt, text, base_url=request.build_absolute_uri("/").rstrip("/"))
        text.flush()
        text.detach()
    spool.seek(0)
    response = FileResponse(spool, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename(scope, fmt)}"'
    response["X-Attribution"] = ATTRIBUTION_ASCII
    response["X-Licence"] = "Licence Ouverte 2.0 (Etalab)"
    response["X-Export-Date"] = metadata(scope)["date"]
    response["X-Export-Count"] = str(count)
    return response
