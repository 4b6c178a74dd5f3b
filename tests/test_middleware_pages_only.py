"""annuaire.middleware.for_pages: an API read skips the page-only middleware (flash messages, the
history's user, the page language) and is answered in French whatever the language a page left active;
pages and API writes still go through them. for_sessions: an anonymous API read (no session cookie) opens
no session and reads no user; with a session cookie it does."""

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.middleware import locale
from django.utils import translation

from annuaire.middleware import AuthenticationMiddleware, LocaleMiddleware, MessageMiddleware, for_pages
from annuaire.middleware import SessionMiddleware as SessionsUnlessAnonymousApiRead

pytestmark = pytest.mark.django_db


def test_an_api_read_is_french_whatever_the_page_before_left_active(client):
    translation.activate("en")   # a worker thread that last served an English page
    r = client.get("/api/v1/dispositifs/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404 and r["Content-Language"] == "fr"
    assert "Not found" not in r.json()["detail"]
    r = client.get("/api/v1/territoires/communes/", {"q": "Dijon"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r["Content-Language"] == "fr"


def test_pages_still_take_the_language_of_the_browser_and_of_lang(client):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"
    r = client.get("/", {"lang": "ar"})
    assert r["Content-Language"] == "ar" and r.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"


def test_an_api_read_gets_no_message_storage_and_a_page_does(rf):
    seen = {}

    def view(request):
        seen[request.path] = hasattr(request, "_messages")
        return HttpResponse()

    chain = SessionMiddleware(MessageMiddleware(view))
    chain(rf.get("/api/v1/recherche/"))
    chain(rf.get("/recherche/"))
    chain(rf.post("/api/v1/dispositifs/"))
    assert seen == {"/api/v1/recherche/": False, "/recherche/": True, "/api/v1/dispositifs/": True}


def test_a_middleware_with_a_view_hook_is_refused():
    with pytest.raises(ImproperlyConfigured):
        for_pages("django.middleware.csrf.CsrfViewMiddleware")
    assert issubclass(LocaleMiddleware, locale.LocaleMiddleware)   # Django's checks find it by class


def test_an_anonymous_api_read_opens_no_session_and_a_logged_in_one_does(rf):
    seen = {}

    def view(request):
        seen[request.path] = (hasattr(request, "session"), hasattr(request, "user"))
        return HttpResponse()

    chain = SessionsUnlessAnonymousApiRead(AuthenticationMiddleware(view))
    chain(rf.get("/api/v1/recherche/"))
    chain(rf.get("/recherche/"))
    chain(rf.post("/api/v1/dispositifs/"))
    assert seen == {"/api/v1/recherche/": (False, False), "/recherche/": (True, True),
                    "/api/v1/dispositifs/": (True, True)}
    with_cookie = rf.get("/api/v1/territoires/communes/")
    with_cookie.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    chain(with_cookie)
    assert seen["/api/v1/territoires/communes/"] == (True, True)
    assert issubclass(SessionsUnlessAnonymousApiRead, SessionMiddleware)   # Django's checks find them by class


def test_a_logged_in_api_read_is_still_read_as_logged_in(client, django_user_model):
    """The API's content language follows Accept-Language for an anonymous client only
    (dispositifs/api/langue.py): a logged-in one, whose session the middleware still opens, reads French."""
    params = {"commune": "21231"}
    assert client.get("/api/v1/recherche/", params, HTTP_ACCEPT_LANGUAGE="en").json()["langue"] == "en"
    client.force_login(django_user_model.objects.create_user("lecteur", password="x"))
    assert client.get("/api/v1/recherche/", params, HTTP_ACCEPT_LANGUAGE="en").json()["langue"] == "fr"
