"""GET /api/v1/couverture/?theme=SLUG[&departement=CODE][&km=N][&format=json|csv|geojson] — the gap
analysis: communes whose centre is farther than N km (10 by default) from any lieu of the theme,
with their population and the summary sentence. A plain Django view because DRF reserves `format`.

Reports are stored files (maps/stored.py), never recomputed per request: a département's report is
computed on first request when it fits in COMPUTE_BUDGET, otherwise — and always for all of France,
a 10-20 s analysis — the job runner computes it and the answer is a 202 « en préparation »."""

from django.db import OperationalError, connection, transaction
from django.http import FileResponse
from django.views.decorators.http import require_GET

from annuaire.jobs import defer_once
from annuaire.limits import heavy
from territoires.models import Departement

from .. import stored, tasks
from .common import ATTRIBUTION_ASCII, BadRequest, check_km, check_theme, error

COMPUTE_BUDGET_MS = 2000
RETRY_SECONDS = 30


def _queue(theme: str, km: float, departement: str | None):
    defer_once(tasks.compute_couverture, lock=f"couverture:{theme}:{departement or 'france'}:{km:g}",
               theme=theme, km=km, departement=departement)


def _compute_within_budget(theme: str, km: float, departement: str) -> bool:
    """Compute and store a département's report under a statement timeout; False when too slow."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {COMPUTE_BUDGET_MS}")
            stored.compute_couverture(theme=theme, km=km, departement=departement)
    except OperationalError:  # statement timeout: the job runner takes over
        return False
    return True


def _preparing(theme: str, km: float, departement: str | None):
    _queue(theme, km, departement)
    where = f"du département {departement}" if departement else "de toute la France"
    response = error(202, f"Le rapport de couverture {where} est en préparation : réessayez dans "
                          f"{RETRY_SECONDS} secondes.", etat="en_preparation")
    response["Retry-After"] = str(RETRY_SECONDS)
    return response


@require_GET
@heavy
def couverture_view(request):
    theme = request.GET.get("theme", "").strip()
    if not theme:
        return error(400, "Indiquez un thème : ?theme=lecture-ecriture-calcul--maitriser-le-francais "
                          "(un thème parent compte ses sous-thèmes).")
    fmt = request.GET.get("format", "json")
    if fmt not in stored.COUVERTURE_FORMATS:
        return error(400, f"format inconnu : « {fmt} ». Formats possibles : json, csv, geojson.")
    departement = (request.GET.get("departement") or "").strip().upper() or None
    try:
        check_theme(theme)
        km = check_km(request.GET.get("km"), 10.0)
    except BadRequest as exc:
        return error(400, str(exc))
    if departement and not Departement.objects.filter(code=departement).exists():
        return error(404, f"Département inconnu : « {departement} » (codes INSEE : 35, 2A, 974…)")
    if not departement and km not in stored.NATIONAL_KM:
        return error(400, "Pour toute la France, km vaut " + ", ".join(f"{k:g}" for k in stored.NATIONAL_KM)
                     + " (rapports préparés à l'avance) ; pour une autre distance, indiquez un département "
                       "(?departement=35).", parametre="km")
    path = stored.couverture_paths(theme=theme, km=km, departement=departement)[fmt]
    if not path.exists():
        if not departement or not _compute_within_budget(theme, km, departement):
            return _preparing(theme, km, departement)
    elif not stored.is_fresh(path):
        _queue(theme, km, departement)  # served as it is meanwhile
    return _serve(request, path, fmt)


def _serve(request, path, fmt: str):
    """The stored file, gzipped when the client accepts it (compressed once, by the job)."""
    packed = path.with_name(path.name + ".gz")
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "") and packed.exists()
    response = FileResponse(open(packed if use_gzip else path, "rb"),  # noqa: SIM115 (FileResponse closes it)
                            content_type=stored.COUVERTURE_FORMATS[fmt], filename=path.name)
    response["Vary"] = "Accept-Encoding"
    if use_gzip:
        response["Content-Encoding"] = "gzip"
    if fmt == "csv":
        response["Content-Disposition"] = f'attachment; filename="{path.name}"'
        response["X-Attribution"] = ATTRIBUTION_ASCII
    return response
