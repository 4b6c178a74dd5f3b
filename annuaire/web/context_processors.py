"""What every page's shell needs: the language switcher entries and the text direction."""

from django.conf import settings
from django.utils import translation


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
        "web_fonts": getattr(settings, "WEB_FONTS", False),
    }
