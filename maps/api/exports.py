"""GET /api/v1/exports/<format>/?departement=CODE | region=CODE | all=1 — the same files as the
`export_dispositifs` command, with attribution and date: inside the file for GeoJSON (`metadata`),
XLSX (sheet « À propos ») and data·inclusion (`metadata`), in the `X-Attribution`,
`X-Licence` and `X-Export-Date` headers for all formats (CSV has no standard place for it)."""

import io

from django.http import HttpResponse
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
    ext, content_type, binary = FORMATS[fmt]
    buffer = io.BytesIO() if binary else io.StringIO()
    count = export(scope, fmt, buffer, base_url=request.build_absolute_uri("/").rstrip("/"))
    body = buffer.getvalue() if binary else buffer.getvalue().encode("utf-8")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename(scope, fmt)}"'
    response["X-Attribution"] = ATTRIBUTION_ASCII
    response["X-Licence"] = "Licence Ouverte 2.0 (Etalab)"
    response["X-Export-Date"] = metadata(scope)["date"]
    response["X-Export-Count"] = str(count)
    return response
