"""gunicorn settings (make serve, docker-compose.yml): `gunicorn annuaire.wsgi -c annuaire/gunicorn.conf.py`.

Threads rather than one request per process: a slow client downloading a stored export holds one thread,
not a whole worker, and the worker's heartbeat (`timeout`) does not kill long downloads. Requests that wait
for the database are bounded by annuaire/dbguard.py, not by gunicorn killing the worker.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "annuaire.gunicorn_worker.AnnuaireWorker"  # gthread + a French JSON 414
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# gunicorn answers longer request lines with its own HTML 414; below this, annuaire.middleware answers
# query strings over settings.MAX_QUERY_STRING (4096) with a French 400 (JSON under /api/).
limit_request_line = 8190
# Behind docker-compose's proxy: trust its X-Forwarded-* (Django reads them per settings.PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
raw_env = ["ANNUAIRE_WEB=1"]
