"""The site's outermost middleware: the client's address behind the proxy, bounded query strings, a
database deadline per request (annuaire.dbguard) and French JSON errors everywhere under /api/."""

from django.conf import settings
from django.urls import Resolver404, resolve

from annuaire import errors
from annuaire.dbguard import request_targets, watchdog


class ClientAddressMiddleware:
    """Behind N trusted proxies (settings.PROXY_COUNT, e.g. Caddy in docker-compose.yml), REMOTE_ADDR is the
    proxy's: the client is the address the first trusted proxy appended to X-Forwarded-For. Rewriting
    REMOTE_ADDR here gives the same client to everything that counts per client (axes, the rate limits).
    Entries further left are written by the client itself and never trusted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = settings.PROXY_COUNT
        if count:
            hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
            if len(hops) >= count:
                request.META["REMOTE_ADDR"] = hops[-count]
        return self.get_response(request)


def allowed_methods(request) -> list[str] | None:
    """The methods the API view at this path accepts (None: no view). Plain Django views under /api/
    are read-only (couverture, exports: GET); every write goes through DRF, whose views say theirs."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    cls = getattr(match.func, "cls", None)
    if cls is not None:
        return cls(**getattr(match.func, "initkwargs", {})).allowed_methods
    return ["GET"]


class RequestGuardMiddleware:
    """Refuse over-long query strings (400) before any work; answer a method the API view does not take
    with a 405 before the CSRF check would answer 403; arm the database deadline of the request; turn
    every non-JSON error under /api/ (405 of a plain view, CSRF 403…) into French JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.META.get("QUERY_STRING", "")) > settings.MAX_QUERY_STRING:
            return errors.bad_request(request, detail=(
                f"Requête trop longue : au plus {settings.MAX_QUERY_STRING} caractères après le « ? »."))
        if errors.is_api(request) and request.method not in {"GET", "HEAD", "OPTIONS"}:
            allowed = allowed_methods(request)
            if allowed is not None and request.method not in allowed:
                response = errors.json_error(405, errors.api_detail(request, 405, ", ".join(allowed)))
                response["Allow"] = ", ".join(allowed)
                return response
        deadline = settings.DB_REQUEST_DEADLINE
        token = watchdog.arm(deadline, request_targets()) if deadline else None
        try:
            response = self.get_response(request)
        finally:
            if token is not None:
                watchdog.disarm(token)
        media = response.get("Content-Type", "").split(";")[0].strip()
        if errors.is_api(request) and response.status_code >= 400 and not media.endswith(("/json", "+json")):
            response = errors.api_error_from_response(request, response)
        return response
