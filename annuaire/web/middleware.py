"""`?lang=ar` on any page switches the language and keeps it (cookie), so a link can carry it."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageFromQueryMiddleware:
    """Runs after LocaleMiddleware: a valid `lang` query parameter wins over cookie and browser."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.GET.get("lang")
        if lang not in self.codes:
            response = self.get_response(request)
            # The language also comes from the cookie: a shared cache must not mix languages.
            patch_vary_headers(response, ("Cookie",))
            return response
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 24 * 3600, samesite="Lax",
            path=settings.LANGUAGE_COOKIE_PATH)
        response.headers.setdefault("Content-Language", lang)
        return response
