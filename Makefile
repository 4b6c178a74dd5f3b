# Annuaire — two commands on a fresh Debian 12 machine: `make demo` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test setup install db stop stop-worker worker status migrate territoires demo-data serve lint bench bench-import bench-search bench-maps bench-export bench-import-memory bench-load

demo: setup demo-data serve          ## install everything, load the demo data, serve on 127.0.0.1:8000
# The demo's emails (invitations, password reset, reminders) are written to var/mail/.
demo: export EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
# Links in emails and printed addresses follow HOST and PORT (make demo PORT=8011).
demo serve: export ANNUAIRE_SITE_URL ?= http://$(HOST):$(PORT)

# One pytest worker per core (pytest-xdist), each on its own test database; a file stays on one worker.
PYTEST_ARGS ?= -n auto --dist loadfile

test: setup                          ## the whole suite against the project's PostGIS, one worker per core
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no test collected" >&2; exit 1; fi; exit $$rc

install:
	@bash scripts/install.sh

db: install
	@bash scripts/db.sh start

setup: db migrate territoires
	@$(MANAGE) collectstatic --no-input -v0

migrate:
	@$(MANAGE) migrate --no-input -v0
	@$(MANAGE) createcachetable

territoires:
	@$(MANAGE) load_territoires
	@$(MANAGE) load_themes

demo-data:
	@$(MANAGE) load_demo
	@$(MANAGE) shell -c "from django.contrib.auth.models import User; User.objects.filter(is_superuser=True).exists() \
		or User.objects.create_superuser('demo', 'demo@example.org', 'demo') and print('==> admin: demo / demo (local demo only)')"
	@$(MANAGE) demo_accounts

serve:                               ## gunicorn, with the job runner in the background (log: var/worker.log)
	@echo "==> Annuaire on http://$(HOST):$(PORT)/ (admin: /admin/, API docs: /api/docs/); Ctrl-C to stop"
	@mkdir -p var; $(MANAGE) procrastinate worker --name annuaire >>var/worker.log 2>&1 & w=$$!; \
	echo $$w >var/worker-$(PORT).pid; trap "kill $$w 2>/dev/null; rm -f var/worker-$(PORT).pid" EXIT INT TERM; \
	.venv/bin/gunicorn annuaire.wsgi -c annuaire/gunicorn.conf.py --bind $(HOST):$(PORT) --access-logfile -

worker:                              ## the job runner in the foreground (maps, couverture reports, periodic refresh)
	@$(MANAGE) procrastinate worker --name annuaire

stop-worker:                         ## stop the job runner started by `make serve`/`make demo`
	@for f in var/worker-*.pid; do [ -f "$$f" ] && kill $$(cat "$$f") 2>/dev/null; rm -f "$$f"; done; true

stop: stop-worker                    ## stop the job runner and the project's PostgreSQL cluster
	@bash scripts/db.sh stop

status:
	@bash scripts/db.sh status

lint:
	@.venv/bin/ruff check .

bench-maps: db                       ## maps benchmark: density, render_maps France and densest département
	@$(MANAGE) bench_maps

bench-import: db                     ## import benchmark: ROWS-row XLSX (default 50000) into annuaire_bench_import, created empty each run
	@$(MANAGE) bench_import $(if $(ROWS),--rows $(ROWS))

bench-search: db                     ## search benchmark: 100k dispositifs / 200k lieux in annuaire_bench_search, SQL vs HTTP, gunicorn + wrk
	@$(MANAGE) bench_search --explain $(BENCH_ARGS)

bench-export: db                     ## export benchmark: national CSV/GeoJSON by COPY (rows/s, memory), export requests
	@$(MANAGE) bench_export $(BENCH_EXPORT_ARGS)

bench-load: db migrate               ## search alone and while 2 clients loop on the heavy endpoints (wrk, gunicorn); DATABASE_URL = the demo data
	@$(MANAGE) bench_load $(BENCH_LOAD_ARGS)

bench-import-memory: db              ## import memory: peak RSS of import_dispositifs on a generated MB-MB CSV (default 50; < 500 MB)
	@$(MANAGE) bench_import_memory $(if $(MB),--mb $(MB))

BENCHES := search import import-memory maps export load
bench: db                            ## every benchmark in turn (logs in var/bench/), then one summary table
	@mkdir -p var/bench; for b in $(BENCHES); do echo "==> make bench-$$b"; \
		$(MAKE) -s bench-$$b 2>&1 | tee var/bench/$$b.log; done; \
	$(MANAGE) bench_summary $(foreach b,$(BENCHES),var/bench/$(b).log)
