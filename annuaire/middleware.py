"""The site's outermost middleware: the client's address behind the proxy, bounded query strings, a
database deadline per request (annuaire.dbguard) and French JSON errors everywhere under /api/."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.module_loading import import_string

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


def for_pages(path: str):
    """The middleware at `path` for pages and API writes only: an API read (GET, HEAD, OPTIONS under
    /api/) goes straight on, in French (the API's errors are French; the content's language is its
    `lang` parameter, dispositifs/api/langue.py). For middleware a JSON read never needs: flash messages,
    the history's user (no write), the page language from cookie, browser or `?lang`. Measured on the
    search: about 0.25 ms of a 6 ms request (docs/ARCHITECTURE.md, "The search path")."""
    return _skipped_for(path, lambda request: request.method in SAFE_METHODS and errors.is_api(request))


def for_sessions(path: str):
    """The middleware at `path` except for an API read without a session cookie: that client has no session
    to open and no user to read (a token is DRF's to read; the heavy endpoints' limits and the API's language
    count it as anonymous, as they would). For the session and authentication middleware: ~0.1 ms of a 4 ms
    search on the bench (docs/ARCHITECTURE.md, "The search path")."""
    return _skipped_for(path, lambda request: (request.method in SAFE_METHODS and errors.is_api(request)
                                               and settings.SESSION_COOKIE_NAME not in request.COOKIES))


def _skipped_for(path: str, skipped):
    """The middleware at `path`, passed by for the requests `skipped` says. A class is subclassed (Django's
    checks look for it by class), a function middleware wrapped."""
    inner = import_string(path)

    def api_read(request, get_response):
        if getattr(request, "_api_read", False):   # an outer one of these already set French
            return get_response(request)
        request._api_read = True
        with translation.override(settings.LANGUAGE_CODE):
            response = get_response(request)
        response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
        return response

    if isinstance(inner, type):
        for hook in ("process_view", "process_exception", "process_template_response"):
            if hasattr(inner, hook):
                raise ImproperlyConfigured(f"{path}: its {hook} would still run for the requests it skips")

        class Skipping(inner):
            def __call__(self, request):
                return api_read(request, self.get_response) if skipped(request) else super().__call__(request)

        Skipping.__name__ = Skipping.__qualname__ = inner.__name__
        return Skipping

    def middleware(get_response):
        wrapped = inner(get_response)
        return lambda request: api_read(request, get_response) if skipped(request) else wrapped(request)

    return middleware


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MessageMiddleware = for_pages("django.contrib.messages.middleware.MessageMiddleware")
LocaleMiddleware = for_pages("django.middleware.locale.LocaleMiddleware")
LanguageFromQueryMiddleware = for_pages("annuaire.web.middleware.LanguageFromQueryMiddleware")
HistoryRequestMiddleware = for_pages("simple_history.middleware.HistoryRequestMiddleware")
SessionMiddleware = for_sessions("django.contrib.sessions.middleware.SessionMiddleware")
AuthenticationMiddleware = for_sessions("django.contrib.auth.middleware.AuthenticationMiddleware")
