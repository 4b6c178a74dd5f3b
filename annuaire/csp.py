"""Content-Security-Policy (django-csp 4) with one policy per part of the site.

The public pages and the API get the strict policy of settings.CONTENT_SECURITY_POLICY: scripts only from
our own static files, no inline script. Three parts carry code we do not write and get their own policy
(settings.CSP_PATH_POLICIES, longest prefix wins): the folium map files under /cartes/ (inline style
attributes; their inline scripts, folium's set-up and the embedded Leaflet, are allowed one by one by hash
in maps/views.py, and no data reaches them as code since issue #10), the Django admin and the Swagger UI
(inline style attributes).
"""

from dataclasses import asdict

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy, default_config
from django.conf import settings
from django.core.signals import setting_changed

# What a response without a policy of its own gets, by the path policy that applies: (header, report-only
# header). Built once: django-csp builds both for every response, ~0.1 ms of a 4 ms search.
_BUILT: dict[str | None, tuple[str, str]] = {}
# A response or request carrying these has a policy of its own (the map files' script hashes, a nonce used
# by a template, an exemption): built for it by django-csp.
_OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro",
               "_csp_exempt", "_csp_exempt_ro")


def _prefixes() -> list[str]:
    return sorted(getattr(settings, "CSP_PATH_POLICIES", {}), key=len, reverse=True)


def policy_prefix(path: str) -> str | None:
    """The CSP_PATH_POLICIES prefix that applies to a path (the longest), None for the default policy."""
    return next((prefix for prefix in _prefixes() if path.startswith(prefix)), None)


def policy_for(path: str) -> dict | None:
    """The directives for a path, or None for the default policy."""
    prefix = policy_prefix(path)
    return None if prefix is None else settings.CSP_PATH_POLICIES[prefix]


def _forget(*, setting, **_kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "CSP_PATH_POLICIES":
        _BUILT.clear()


setting_changed.connect(_forget, dispatch_uid="annuaire-csp-built")


class PathPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None:
            directives = policy_for(request.path_info)
            if directives is not None:
                parts.config = default_config(directives)
        return parts

    def process_response(self, request, response):
        """django-csp's, with the headers of a response without a policy of its own built once per path
        policy (they are the same strings every time)."""
        own = getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _OWN_POLICY)
        if own or HEADER in response or HEADER_REPORT_ONLY in response or settings.DEBUG:
            return super().process_response(request, response)
        prefix = policy_prefix(request.path_info)
        if prefix not in _BUILT:
            _BUILT[prefix] = (build_policy(**asdict(self.get_policy_parts(request, response))),
                              build_policy(**asdict(self.get_policy_parts(request, response, report_only=True)),
                                           report_only=True))
        for header, value, setting in ((HEADER, _BUILT[prefix][0], "CONTENT_SECURITY_POLICY"),
                                       (HEADER_REPORT_ONLY, _BUILT[prefix][1], "CONTENT_SECURITY_POLICY_REPORT_ONLY")):
            excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if value and not request.path_info.startswith(tuple(excluded)):
                response[header] = value
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
