"""WSGI entry point of gunicorn. ANNUAIRE_WEB=1 marks a web process: its database connections get the
statement timeout and the per-request deadline of settings (commands and the job worker may run long)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annuaire.settings")
os.environ.setdefault("ANNUAIRE_WEB", "1")
application = get_wsgi_application()

# Import every view now, at worker boot, rather than on the first request (seconds on a busy machine:
# maps and exports pull in folium, pandas, matplotlib), so the first answer is as fast as the others.
from django.urls import get_resolver  # noqa: E402

URL_PATTERNS = get_resolver().url_patterns
