"""Offline support (issue #14): the service worker (served at the site root so it may keep the pages), the
web app manifest, and the page shown offline when a page was never opened."""

import json

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(no_cache=True, max_age=0)
def service_worker(request):
    with open(finders.find("annuaire/sw.js"), encoding="utf-8") as source:
        response = HttpResponse(source.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(max_age=86400, public=True)
def manifest(request):
    data = {"name": _("Annuaire de l'intégration"), "short_name": _("Annuaire"), "start_url": "/", "scope": "/",
            "display": "standalone", "background_color": "#ffffff", "theme_color": "#000091",
            "lang": request.LANGUAGE_CODE,
            "icons": [{"src": static("dsfr/dist/favicon/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}]}
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


@require_GET
def hors_ligne(request):
    return render(request, "annuaire/hors_ligne.html")
