"""Content-Security-Policy (django-csp 4) with one policy per part of the site.

The public pages and the API get the strict policy of settings.CONTENT_SECURITY_POLICY: scripts only from
our own static files, no inline script. Three parts carry code we do not write and get their own policy
(settings.CSP_PATH_POLICIES, longest prefix wins): the folium map files under /cartes/ (inline style
attributes; their inline scripts, folium's set-up and the embedded Leaflet, are allowed one by one by hash
in maps/views.py, and no data reaches them as code since issue #10), the Django admin and the Swagger UI
(inline style attributes).
"""

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings


def policy_for(path: str) -> dict | None:
    """The directives for a path, or None for the default policy."""
    prefixes = sorted(getattr(settings, "CSP_PATH_POLICIES", {}), key=len, reverse=True)
    for prefix in prefixes:
        if path.startswith(prefix):
            return settings.CSP_PATH_POLICIES[prefix]
    return None


class PathPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None:
            directives = policy_for(request.path_info)
            if directives is not None:
                parts.config = default_config(directives)
        return parts
