"""Production settings (issue #10, item 5): no secret key in the repository, HTTPS behind the proxy,
a Content-Security-Policy the pages satisfy, and `check --deploy` silent with the production variables."""

import json
import os
import secrets
import stat
import subprocess

import pytest

from tests.browser.harness import browser, new_page, web_server  # noqa: F401
from tests.browser.sample import build_sample

from .live import PY, ROOT, Gunicorn, free_port, get

PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_HTTPS": "1", "DJANGO_PROXY_COUNT": "1",
              "DJANGO_ALLOWED_HOSTS": "annuaire.example.org,127.0.0.1"}


def manage(*args, env=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ANNUAIRE_WEB"))}
    return subprocess.run([str(PY), "manage.py", *args], cwd=ROOT, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_with_the_production_variables_is_silent():
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env={**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_complained_before():
    """The same check without DJANGO_HTTPS names what issue #10 found missing: HSTS, secure cookies."""
    result = manage("check", "--deploy", env={"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)})
    assert "security.W004" in result.stdout + result.stderr  # HSTS
    assert "security.W012" in result.stdout + result.stderr  # session cookie not secure


PUBLISHED = "dev-only-insecure-key-set-" + "DJANGO_SECRET_KEY-in-production"  # split: this file must not match


def test_no_secret_key_in_the_repository():
    tracked = subprocess.run(["git", "grep", "-n", "-F", PUBLISHED], cwd=ROOT, capture_output=True, text=True).stdout
    assert tracked == ""
    settings_source = (ROOT / "annuaire" / "settings.py").read_text()
    assert "SECRET_KEY = load_secret_key(" in settings_source


def _key(env):
    script = "import hashlib; from django.conf import settings; print(hashlib.sha256(settings.SECRET_KEY.encode())" \
             ".hexdigest())"
    return manage("shell", "-c", script, env=env)


def test_secret_key_generated_on_first_run_then_kept(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    first = _key({"DJANGO_SECRET_KEY_FILE": str(key_file)})
    assert first.returncode == 0, first.stderr
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 50
    second = _key({"DJANGO_SECRET_KEY_FILE": str(key_file)})
    assert second.stdout == first.stdout  # sessions survive a restart


@pytest.mark.parametrize("where", ["environment", "file"])
def test_refuses_to_start_with_the_published_key(tmp_path, where):
    published = PUBLISHED
    key_file = tmp_path / "secret_key"
    env = {"DJANGO_SECRET_KEY_FILE": str(key_file)}
    if where == "environment":
        env["DJANGO_SECRET_KEY"] = published
    else:
        key_file.write_text(published)
    result = _key(env)
    assert result.returncode != 0
    assert "clé publiée" in result.stderr


@pytest.fixture(scope="module")
def production_server():
    server = Gunicorn(free_port(), {**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)})
    yield server.wait_ready("/healthz")  # plain HTTP elsewhere is redirected to https
    server.stop()


def test_https_behind_the_proxy(production_server):
    url = production_server.url
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "Host": "annuaire.example.org"}
    login = get(url + "/admin/login/", headers=proxied)
    assert login.status == 200
    assert login.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in login.headers["Content-Security-Policy"]
    cookies = [v for k, v in login.headers.items() if k.lower() == "set-cookie"]
    assert cookies and all("Secure" in c for c in cookies), cookies
    health = get(url + "/healthz", headers={"Host": "127.0.0.1"})  # the container's probe, plain HTTP
    assert health.status == 200 and json.loads(health.text)["status"] == "ok"


def test_plain_http_is_redirected_to_https(production_server):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", production_server.port, timeout=10)
    conn.request("GET", "/recherche/", headers={"Host": "annuaire.example.org"})
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == "https://annuaire.example.org/recherche/"


def test_map_files_get_their_own_policy(production_server):
    proxied = {"X-Forwarded-Proto": "https", "Host": "annuaire.example.org"}
    policy = get(production_server.url + "/cartes/", headers=proxied).headers["Content-Security-Policy"]
    scripts = policy.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in scripts and "https:" not in scripts  # no inline code, no CDN
    assert "frame-ancestors 'self'" in policy  # the site frames its own maps
    page_policy = get(production_server.url + "/", headers=proxied).headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page_policy


# --- the pages satisfy the policy, in a real browser ---

PAGES = ["/", "/recherche/?commune=21166", "/recherche/?commune=21166&theme=sante",
         "/territoires/departements/21/", "/api/docs/", "/admin/login/", "/cartes/"]


@pytest.mark.django_db
def test_pages_raise_no_csp_violation(browser, web_server):  # noqa: F811
    sample = build_sample()
    pages = [*PAGES, f"/dispositifs/{sample.francais.pk}/"]
    page = new_page(browser)
    violations = []
    page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + "
                         "e.blockedURI + ' ' + (e.sample || '')))")
    for path in pages:
        response = page.goto(web_server + path)
        assert response.status == 200, path
        assert response.headers.get("content-security-policy"), path
        # "load": every script and style has run or been refused; then a moment for what they fetch.
        # (Not "networkidle": the one-request-at-a-time test server can keep it from coming for 30 s.)
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)
    assert violations == []


@pytest.mark.django_db
def test_a_map_file_runs_under_its_hashes(browser, web_server, settings, tmp_path):  # noqa: F811
    """A stored map carries its Leaflet inline: its scripts run, allowed one by one by their hashes,
    and the page asks nothing of another server (a downloaded copy works offline)."""
    import io

    from django.core.management import call_command

    build_sample()
    settings.MAPS_DIR, settings.TILES_URL = tmp_path, ""
    call_command("render_maps", "--out", str(tmp_path), "--departement", "21", "--no-png", stdout=io.StringIO())
    page = new_page(browser)
    violations, elsewhere = [], []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("request", lambda r: None if r.url.startswith(web_server) else elsewhere.append(r.url))
    response = page.goto(web_server + "/cartes/departement-21.html")
    scripts = response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in scripts and scripts.count("'sha256-") >= 4
    page.wait_for_selector(".annuaire-title", state="attached")
    assert page.evaluate("typeof L.markerClusterGroup") == "function" and page.evaluate("!!window.annuaireCarte")
    assert violations == [] and elsewhere == []


def test_the_session_cookie_checks_see_the_projects_session_middleware(settings):
    """annuaire.middleware.SessionMiddleware is Django's under another path: annuaire/checks.py warns of an
    insecure session cookie as Django would (its own check looks for its path only)."""
    from django.core.checks.security import sessions

    from annuaire.checks import session_cookies

    assert "annuaire.middleware.SessionMiddleware" in settings.MIDDLEWARE
    settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY = False, True
    assert session_cookies(None) == [sessions.W012] and sessions.check_session_cookie_secure(None) == [sessions.W010]
    settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY = True, False
    assert session_cookies(None) == [sessions.W015]
    settings.SESSION_COOKIE_HTTPONLY = True
    assert session_cookies(None) == []
