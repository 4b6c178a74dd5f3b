"""The CSP headers (annuaire/csp.py) built once per path policy are the ones django-csp builds for each
response; a response with a policy of its own still gets its own."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from annuaire.csp import PathPolicyMiddleware


class BuiltEachTime(PathPolicyMiddleware):
    process_response = CSPMiddleware.process_response   # django-csp's own


def headers(middleware, path, **response_attrs):
    request = RequestFactory().get(path)
    response = HttpResponse("x")
    for name, value in response_attrs.items():
        setattr(response, name, value)
    mw = middleware(lambda r: response)
    mw.process_request(request)
    mw.process_response(request, response)
    return response.get(HEADER), response.get(HEADER_REPORT_ONLY)


@pytest.mark.parametrize("path", ["/", "/api/v1/recherche/", "/admin/login/", "/api/docs/", "/cartes/carte.html"])
def test_headers_built_once_are_django_csps(path):
    for _ in range(2):   # built, then reused
        assert headers(PathPolicyMiddleware, path) == headers(BuiltEachTime, path)
    assert headers(PathPolicyMiddleware, path)[0]


def test_a_response_with_its_own_policy_gets_it_and_it_is_not_reused():
    own = {"_csp_update": {"script-src": ["'sha256-abc'"]}}
    assert headers(PathPolicyMiddleware, "/cartes/carte.html", **own) == headers(BuiltEachTime, "/cartes/carte.html",
                                                                                 **own)
    assert "sha256-abc" in headers(PathPolicyMiddleware, "/cartes/carte.html", **own)[0]
    assert "sha256-abc" not in headers(PathPolicyMiddleware, "/cartes/carte.html")[0]
    assert headers(PathPolicyMiddleware, "/", _csp_exempt=True)[0] is None


def test_a_changed_setting_is_followed():
    before = headers(PathPolicyMiddleware, "/admin/")[0]
    with override_settings(CSP_PATH_POLICIES={"/admin/": {"default-src": ["'none'"]}}):
        assert headers(PathPolicyMiddleware, "/admin/")[0] == "default-src 'none'"
    assert headers(PathPolicyMiddleware, "/admin/")[0] == before
