"""What every page's shell needs: the language switcher entries and the text direction."""

from django.conf import settings
from django.utils import translation

# The DSFR components every page uses: each is a small stylesheet, instead of the 92 KB (gzip) full DSFR.
# A page adds the few others it needs (tag, callout, alert, pagination) in its `head` block.
DSFR_COMPONENTS = ["link", "button", "form", "input", "select", "checkbox", "badge", "notice", "skiplink",
                   "header", "footer"]


def web(request):
    current = translation.get_language() or settings.LANGUAGE_CODE
    languages = []
    for code, name in settings.LANGUAGES:
        query = request.GET.copy()
        query["lang"] = code  # keeps the other parameters, repeated ones included
        languages.append({"code": code, "name": name, "current": code == current,
                          "bidi": code in settings.LANGUAGES_BIDI, "url": f"{request.path}?{query.urlencode()}"})
    return {
        "web_languages": languages,
        "web_language_name": dict(settings.LANGUAGES).get(current, current),
        "TILES_URL": settings.TILES_URL,
        "dsfr_components": DSFR_COMPONENTS,
        "web_fonts": getattr(settings, "WEB_FONTS", False),
    }
