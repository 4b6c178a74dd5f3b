"""Django's session-cookie deploy checks, for the session middleware as settings.MIDDLEWARE names it.

Django finds its session middleware by its dotted path; the project's is a subclass
(`annuaire.middleware.SessionMiddleware`, which an anonymous API read passes by), so Django's checks would
say nothing about an insecure session cookie. These say what they would, with the same warnings."""

from django.apps import apps
from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks.security import sessions

OURS = "annuaire.middleware.SessionMiddleware"


@register(Tags.security, deploy=True)
def session_cookies(app_configs, **kwargs):
    if OURS not in settings.MIDDLEWARE:
        return []   # Django's own checks see the middleware
    app = apps.is_installed("django.contrib.sessions")
    found = []
    if settings.SESSION_COOKIE_SECURE is not True:
        found.append(sessions.W012 if app else sessions.W011)
    if settings.SESSION_COOKIE_HTTPONLY is not True:
        found.append(sessions.W015 if app else sessions.W014)
    return found
