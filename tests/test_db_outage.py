"""A dead or hung database is a fast, honest 503, measured against gunicorn (issue #10, item 3).

Before: PostgreSQL stopped gave 500s, Django's bare English "Server Error (500)" page and `/healthz` said
`ok`; PostgreSQL paused made every URL, `/healthz` included, wait ~120 s until gunicorn killed the worker.
Here a throwaway cluster of our own is stopped and paused (SIGSTOP on all its processes) under a real
gunicorn; every answer must arrive within 10 s (/healthz within ~1 s) and service must come back by
itself when the database does.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .live import PG_BIN, Gunicorn, SilentServer, ThrowawayCluster, free_port, get

pytestmark = pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL server binaries are installed by make test")

API = "/api/v1/territoires/communes/?q=dijon"  # reads the database each time
PAGE = "/dispositifs/1/"  # reads the database; 404 when it answers (empty database)
BUDGET_S = 10
HEALTH_BUDGET_S = 3  # HEALTH_TIMEOUT (under 1 s) plus room for a busy test machine; a hang was ~120 s


@pytest.fixture(scope="module")
def cluster():
    cluster = ThrowawayCluster(free_port()).create()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="module")
def server(cluster):
    server = Gunicorn(free_port(), {"DATABASE_URL": cluster.url}, workers=1, threads=3)
    yield server.wait_ready()
    server.stop()


def assert_api_503(answer):
    assert answer.status == 503, answer.text[:500]
    assert answer.headers["Content-Type"].startswith("application/json")
    assert "base de données" in json.loads(answer.text)["detail"]
    assert answer.headers.get("Retry-After") == "30"


def assert_page_503(answer, lang="fr", title="Service momentanément indisponible"):
    assert answer.status == 503, answer.text[:500]
    assert answer.headers["Content-Type"].startswith("text/html")
    assert f'<html lang="{lang}"' in answer.text
    assert title in answer.text
    assert "fr-header" in answer.text  # the DSFR shell, not Django's bare "Server Error"


def wait_until_served(url: str, timeout: float = 15) -> float:
    """Seconds until `url` answers below 500 again."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if get(url, timeout=BUDGET_S).status < 500:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{url} still failing after {timeout} s")


def test_healthy_database_is_served(server):
    health = get(server.url + "/healthz")
    assert health.status == 200 and json.loads(health.text)["status"] == "ok"
    assert get(server.url + API).status == 200
    assert get(server.url + PAGE).status == 404


def test_health_checks_at_the_same_time_all_say_ok(server):
    """A monitor and a load balancer asking at once: the checks share the running probe, none is a false 503
    (each used to answer 503 while another's probe ran)."""
    for _ in range(3):
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: get(server.url + "/healthz"), range(12)))
        assert [a.status for a in answers] == [200] * 12, [a.text for a in answers if a.status != 200]


def test_stopped_database_is_a_fast_503_then_service_comes_back(server, cluster):
    get(server.url + API)  # a persistent connection exists when the database goes away
    cluster.stop()
    try:
        health = get(server.url + "/healthz")
        assert health.status == 503 and health.seconds < HEALTH_BUDGET_S
        assert json.loads(health.text)["status"] == "erreur"
        api = get(server.url + API)
        assert_api_503(api)
        assert api.seconds < BUDGET_S
        page = get(server.url + PAGE)
        assert_page_503(page)
        english = get(server.url + PAGE + "?lang=en")
        assert_page_503(english, lang="en", title="Service temporarily unavailable")
        arabic = get(server.url + PAGE + "?lang=ar")
        assert arabic.status == 503 and 'dir="rtl"' in arabic.text
    finally:
        cluster.start()
    assert wait_until_served(server.url + "/healthz") < 5
    assert get(server.url + API).status == 200
    assert get(server.url + PAGE).status == 404


def test_paused_database_answers_503_within_budget_then_recovers(server, cluster):
    # Warm every thread's persistent connection, so the hang happens mid-connection, not at connect.
    with ThreadPoolExecutor(3) as pool:
        assert {a.status for a in pool.map(lambda _: get(server.url + API), range(9))} == {200}
    cluster.pause()
    try:
        health = get(server.url + "/healthz", timeout=BUDGET_S)
        assert health.status == 503 and health.seconds < HEALTH_BUDGET_S, health
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda path: get(server.url + path, timeout=30), [API, PAGE, API, PAGE]))
        for answer in answers:
            assert answer.status == 503 and answer.seconds < BUDGET_S, (answer.status, answer.seconds)
        assert_api_503(answers[0])
        assert_page_503(answers[1])
        again = get(server.url + API, timeout=30)  # the cut connection is not reused: a new one times out
        assert again.status == 503 and again.seconds < BUDGET_S
    finally:
        cluster.resume()
    assert wait_until_served(server.url + API) < 5
    assert get(server.url + "/healthz").status == 200


def test_database_that_never_answers_at_connect():
    silent = SilentServer()
    server = Gunicorn(free_port(),
                      {"DATABASE_URL": f"postgis://annuaire@127.0.0.1:{silent.port}/annuaire"}).wait_ready()
    try:
        health = get(server.url + "/healthz")
        assert health.status == 503 and health.seconds < HEALTH_BUDGET_S
        api = get(server.url + API)
        assert_api_503(api)
        assert api.seconds < BUDGET_S
        page = get(server.url + PAGE)
        assert_page_503(page)
        assert page.seconds < BUDGET_S
        # Health checks do not pile threads up while a probe is stuck: each still answers at once.
        assert all(get(server.url + "/healthz").seconds < HEALTH_BUDGET_S for _ in range(5))
    finally:
        server.stop()
        silent.close()
