"""A phone's first load of a results page, measured against gunicorn as production runs it (issue #14):
collected static files, compressed and fingerprinted, an immutable one-year cache; <= 150 KB, <= 15 requests.

gunicorn runs in a subprocess against this session's test database, so the sample is committed here
(and deleted afterwards) instead of living in a test transaction."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from tests.browser.harness import browser, new_page, screenshot  # noqa: F401
from tests.browser.sample import FRANCAIS, build_sample
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[1]
BUDGET_BYTES = 150_000
BUDGET_REQUESTS = 15
ONE_YEAR = 365 * 24 * 3600

# The mark makes pytest-django create the test database (it only does for tests that ask for one).
pytestmark = pytest.mark.django_db


def _collected_is_fresh() -> bool:
    """The manifest is newer than every source static file the finders know."""
    from django.contrib.staticfiles import finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    newest = 0.0
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            newest = max(newest, os.path.getmtime(storage.path(path)))
    return manifest.stat().st_mtime >= newest


def _database_url() -> str:
    db = connections["default"].settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgis://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, django_db_blocker):
    if not _collected_is_fresh():  # what `make setup` does before `make serve` (about a minute)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, check=True)
    with django_db_blocker.unblock():
        name = connections["default"].settings_dict["NAME"]
        assert name.startswith("test_"), f"refusing to commit test data into {name}"
        env = {**os.environ, "DJANGO_DEBUG": "0", "DATABASE_URL": _database_url()}
        s = build_sample()  # committed: the server is another process
        extra = [_more(i) for i in range(24)]
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "annuaire.wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1", "--timeout", "60"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(server, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)
        with django_db_blocker.unblock():
            for d in [s.francais, s.emploi, s.sante, s.national, s.paris, s.brouillon, *extra]:
                d.delete()
            s.structure.delete()


def _more(i: int):
    """More actions around Chenôve, so the page shows a full page of results (20)."""
    from django.contrib.gis.geos import Point

    from dispositifs.models import Dispositif, Lieu
    from territoires.models import Commune

    chenove = Commune.objects.get(code="21166")
    d = Dispositif.objects.create(title=f"Atelier de conversation {i + 1}", status="publie", free=True,
                                  summary="Parler français au quotidien, en petit groupe, avec des bénévoles.")
    d.themes.set([FRANCAIS])
    Lieu.objects.create(dispositif=d, commune=chenove, address=f"{i + 1} rue des Tilleuls", postal_code="21300",
                        point=Point(chenove.centre.x + 0.001 * i, chenove.centre.y, srid=4326))
    return d


def _wait_until_up(server, port, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped: " + server.stderr.read().decode()[-2000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 30 s")


def test_phone_first_load_of_a_results_page_through_gunicorn(browser, gunicorn):  # noqa: F811
    page = new_page(browser, width=390, height=844, is_mobile=True, has_touch=True)
    page.goto(gunicorn + "/recherche/?commune=21166", wait_until="networkidle")
    assert page.locator(".web-card").count() == 20
    responses = page.network.responses
    sizes = [(r.url, r.request.sizes()) for r in responses]
    transferred = sum(s["responseBodySize"] + s["responseHeadersSize"] for _url, s in sizes)
    detail = "\n".join(f"{s['responseBodySize'] + s['responseHeadersSize']:>7} {u}" for u, s in sizes)
    print(f"\nphone, results page through gunicorn: {transferred} bytes in {len(responses)} requests\n{detail}")
    assert len(responses) <= BUDGET_REQUESTS, detail
    assert transferred <= BUDGET_BYTES, detail
    assert page.network.blocked == []
    screenshot(page, "weight-results-phone-gunicorn")

    statics = [r for r in responses if "/static/" in r.url]
    assert statics, "no static file loaded"
    for r in statics:
        headers = r.all_headers()
        assert "immutable" in headers.get("cache-control", ""), (r.url, headers.get("cache-control"))
        max_age = int(headers["cache-control"].split("max-age=")[1].split(",")[0])
        assert max_age >= ONE_YEAR, r.url
        if headers.get("content-type", "").startswith(("text/css", "text/javascript", "application/javascript")):
            assert headers.get("content-encoding") in {"gzip", "br"}, r.url
