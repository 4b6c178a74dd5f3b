"""Per-client limits for the heavy anonymous endpoints (couverture, maps, exports, densite).

`@heavy` counts the requests of one client (its user when logged in, else its IP address) in the
cache shared by every gunicorn worker (settings.CACHES: a table in PostgreSQL) with django-ratelimit,
and answers over the rate (settings.HEAVY_RATE, e.g. "30/m") with a 429: JSON with a French `detail`
under /api/, the site's page elsewhere, both with `Retry-After`.

A client over the rate is remembered by the worker until its window ends, so a client looping on the
heavy endpoints costs one dictionary lookup per refusal, not a transaction on the shared cache: the
refusals must stay cheaper than the work they refuse (docs/ARCHITECTURE.md, "Heavy endpoints").
"""

import functools
import time

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.core.signals import setting_changed
from django.db import connections, router, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import translation
from django_ratelimit.core import get_usage


class SharedDatabaseCache(DatabaseCache):
    """Django's DatabaseCache with an atomic `incr`: the stock one reads then writes, so two workers
    counting the same client at once would lose a request. A transaction-scoped advisory lock on the
    key serialises the read-modify-write (django-ratelimit's check E003 is about exactly this)."""

    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        with transaction.atomic(using=db):
            with connections[db].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                               [self.make_and_validate_key(key, version=version)])
            return super().incr(key, delta, version)


def _client_key(group, request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def too_many_requests(request, retry_after: int):
    """The 429 answer, JSON under /api/ and a page elsewhere."""
    detail = (f"Trop de demandes lourdes depuis votre adresse : réessayez dans {retry_after} s. "
              f"Les cartes, exports et rapports de couverture sont préparés à l'avance ; "
              f"les télécharger une fois suffit.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": detail}, status=429, json_dumps_params={"ensure_ascii": False})
    else:
        response = _refusal_page(request, retry_after)
    response["Retry-After"] = str(retry_after)
    return response


# The refusal pages rendered lately, by (language, path and query, seconds left): the same for every client
# (no user, form or nonce in them). A client looping on a map page asks for the same one ~100 times a second,
# and rendering it was 0.7 ms of a 1 ms refusal.
_PAGES: dict[tuple[str, str, int], bytes] = {}
PAGES_KEPT = 256


def _refusal_page(request, retry_after: int) -> HttpResponse:
    key = (translation.get_language(), request.get_full_path(), retry_after)
    content = _PAGES.get(key)
    if content is None:
        content = render(request, "annuaire/429.html", {"retry_after": retry_after}).content
        if len(_PAGES) >= PAGES_KEPT:
            _PAGES.clear()
        _PAGES[key] = content
    return HttpResponse(content, status=429)


# (group, client key, rate) -> the end of the window in which that client is refused (time.time()).
_refused_until: dict[tuple[str, str, str], float] = {}


def _forget_refusals(*, setting, **kwargs):
    if setting == "HEAVY_RATE":
        _refused_until.clear()


setting_changed.connect(_forget_refusals)


def _remembered(memo: tuple[str, str, str]) -> int | None:
    left = _refused_until.get(memo, 0) - time.time()
    return max(1, int(left)) if left > 0 else None


def _refusal(request, group: str, rate: str) -> int | None:
    """Seconds left in the client's refused window, or None when it may go on (counted in the shared cache)."""
    memo = (group, _client_key(group, request), rate)
    if (left := _remembered(memo)) is not None:
        return left
    now = time.time()
    usage = get_usage(request, group=group, key=_client_key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        _refused_until.pop(memo, None)
        return None
    left = max(1, int(usage["time_left"]))
    if len(_refused_until) > 10_000:  # many clients over the rate: keep the memo small
        _refused_until.clear()
    _refused_until[memo] = now + left
    return left


def heavy(view=None, *, group: str = "heavy"):
    """Rate-limit a view per client with settings.HEAVY_RATE; all heavy views share one budget
    (`group`) so a client cannot multiply it by switching endpoints."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            rate = getattr(settings, "HEAVY_RATE", "")
            if rate:
                left = _refusal(request, group, rate)
                if left is not None:
                    return too_many_requests(request, left)
            return func(request, *args, **kwargs)

        wrapper.heavy_group = group
        return wrapper

    return decorate(view) if view is not None else decorate


@functools.lru_cache(maxsize=512)
def _heavy_group(path: str, urlconf) -> str | None:
    """The `heavy` group of the view at `path`, None for a light one: resolved once per path (resolving it
    for each refusal was a tenth of a refusal's cost)."""
    try:
        return getattr(resolve(path, urlconf).func, "heavy_group", None)
    except Resolver404:
        return None


class RefusedClientMiddleware:
    """Answer an anonymous API client that `heavy` already refused in this window before the rest of the
    middleware runs (sessions, language, CSRF, auth): a client looping on a heavy endpoint then costs
    the site little more than reading its request. Pages and logged-in clients (a session cookie) go on
    to the view, whose refusal needs the user and the page's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rate = getattr(settings, "HEAVY_RATE", "")
        if (_refused_until and rate and request.path_info.startswith("/api/")
                and settings.SESSION_COOKIE_NAME not in request.COOKIES):
            group = _heavy_group(request.path_info, get_urlconf() or settings.ROOT_URLCONF)
            if group and (left := _remembered((group, _client_key(group, request), rate))) is not None:
                return too_many_requests(request, left)
        return self.get_response(request)
