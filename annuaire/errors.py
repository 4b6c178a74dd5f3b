"""Error answers: JSON with a French `detail` under /api/ (a script or an app reads it), the site's DSFR
pages elsewhere. None of them touches the database, so they still answer while it is down.

A database that is down, hung or too slow is not a server bug: its errors become a 503 with
`Retry-After` (annuaire.middleware bounds how long a request may wait for it).
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.utils.html import escape

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 30
DB_TROUBLE_DETAIL = ("Service momentanément indisponible : la base de données ne répond pas. "
                     f"Réessayez dans {RETRY_AFTER_S} secondes.")

# French sentences for the API, by status: DRF and Django would answer in the visitor's language, or in
# English for some (get_object_or_404), and plain Django views answer 405/400 with an empty HTML body.
API_DETAILS = {
    400: "Requête invalide : vérifiez les paramètres (voir la documentation sur /api/docs/).",
    401: "Authentification requise : envoyez un jeton dans l'en-tête « Authorization: Token … ».",
    403: "Action non autorisée avec ces identifiants.",
    404: "Aucune ressource à l'adresse {path} : voir la documentation de l'API sur /api/docs/.",
    405: "Méthode {method} non autorisée à l'adresse {path} ; méthodes acceptées : {allow}.",
    406: "Format de réponse non disponible ; formats possibles : json (défaut), ou ceux indiqués sur /api/docs/.",
    413: "Requête trop volumineuse.",
    414: "Adresse trop longue : raccourcissez la requête.",
    415: "Type de contenu non pris en charge : envoyez du JSON (Content-Type: application/json).",
    429: "Trop de demandes : réessayez dans quelques instants.",
    500: "Erreur interne du serveur : réessayez plus tard ; si elle persiste, signalez-la avec l'adresse appelée.",
    503: DB_TROUBLE_DETAIL,
}


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, detail: str, **extra) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def api_detail(request, status: int, allow: str = "") -> str:
    template = API_DETAILS.get(status) or API_DETAILS[400 if status < 500 else 500]
    return template.format(path=request.path, method=request.method, allow=allow or "GET")


def is_database_trouble(exc: BaseException | None) -> bool:
    """Django's wrapped errors and psycopg's own (a cursor used directly, e.g. COPY)."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


def _page(request, template: str, status: int, context: dict | None = None) -> HttpResponse:
    """The DSFR page; if even that fails (a template that needs the database), a bare French page."""
    try:
        return render(request, template, context or {}, status=status)
    except Exception:  # noqa: BLE001 (the error page must answer whatever happened)
        logger.exception("error page %s could not be rendered", template)
        title = {400: "Requête invalide", 404: "Page introuvable", 503: "Service momentanément indisponible"}
        body = escape(title.get(status, "Erreur du serveur"))
        return HttpResponse(f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>{body}</title>'
                            f"<h1>{body}</h1><p>Réessayez dans quelques instants.</p></html>", status=status)


def service_unavailable(request) -> HttpResponse:
    if is_api(request):
        response = json_error(503, DB_TROUBLE_DETAIL)
    else:
        response = _page(request, "503.html", 503, {"retry_after": RETRY_AFTER_S})
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def bad_request(request, exception=None, detail: str | None = None):
    if is_api(request):
        return json_error(400, detail or API_DETAILS[400])
    return _page(request, "400.html", 400, {"detail": detail})


def permission_denied(request, exception=None):
    if is_api(request):
        return json_error(403, API_DETAILS[403])
    from django.views import defaults

    return defaults.permission_denied(request, exception)


def not_found(request, exception=None):
    if is_api(request):
        return json_error(404, api_detail(request, 404))
    return _page(request, "404.html", 404)


def server_error(request):
    """handler500; called inside Django's `except` block, so a database error can still be told apart."""
    if is_database_trouble(sys.exc_info()[1]):
        return service_unavailable(request)
    if is_api(request):
        return json_error(500, API_DETAILS[500])
    try:
        return _page(request, "500.html", 500)
    except TemplateDoesNotExist:  # pragma: no cover
        return HttpResponse("Erreur du serveur", status=500)


def api_exception_handler(exc, context):
    """DRF's handler, with French sentences for the errors DRF or Django word themselves (or in English)."""
    from rest_framework import exceptions
    from rest_framework.views import exception_handler

    request = context.get("request")
    if is_database_trouble(exc):
        return service_unavailable(request)
    # These four always word themselves from their template (method, media type, wait): never custom.
    templated = (exceptions.MethodNotAllowed, exceptions.NotAcceptable, exceptions.UnsupportedMediaType,
                 exceptions.Throttled)
    default_worded = (isinstance(exc, (Http404, *templated))
                      or (isinstance(exc, exceptions.APIException)
                          and not isinstance(exc, exceptions.ValidationError)
                          and str(exc.detail) == str(exc.default_detail)))
    response = exception_handler(exc, context)
    if response is None or request is None or not default_worded or response.status_code not in API_DETAILS:
        return response
    allow = response.get("Allow", "")
    response.data = {"detail": api_detail(request, response.status_code, allow)}
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response.data["detail"] = f"Trop de demandes : réessayez dans {int(exc.wait) + 1} s."
    return response


def api_error_from_response(request, response) -> HttpResponse:
    """An error answer under /api/ that is not JSON (a plain Django view's 405, a 400 page…) becomes JSON."""
    converted = json_error(response.status_code, api_detail(request, response.status_code, response.get("Allow", "")))
    for header in ("Allow", "Retry-After"):
        if header in response:
            converted[header] = response[header]
    return converted
