"""Admin login is throttled by django-axes (issue #10, item 5). Before: 50 wrong passwords in a row were
answered like the first, then the right one logged in."""

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "un-bon-mot-de-passe-42"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD)


def login(client, password, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": "admin", "password": password}, **extra)


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_fifty_wrong_passwords_then_the_right_one_is_refused(admin_user, settings):
    client = Client(REMOTE_ADDR="198.51.100.10")
    statuses = [login(client, f"mauvais-{i}").status_code for i in range(50)]
    assert statuses[:9] == [200] * 9  # the form again, with its error
    assert set(statuses[9:]) == {429}  # the 10th failure locks the client
    right = login(client, PASSWORD)
    assert right.status_code == 429 and not logged_in(client)
    assert "Trop de tentatives de connexion" in right.content.decode()
    assert f"Après {settings.AXES_FAILURE_LIMIT} échecs" in right.content.decode()

    other = Client(REMOTE_ADDR="198.51.100.20")  # another client is not locked out
    assert login(other, PASSWORD).status_code == 302 and logged_in(other)

    call_command("axes_reset")  # an administrator unlocks
    assert login(client, PASSWORD).status_code == 302 and logged_in(client)


def test_lockout_page_is_translated(admin_user):
    client = Client(REMOTE_ADDR="198.51.100.30")
    for i in range(10):
        login(client, f"mauvais-{i}")
    english = client.post("/admin/login/?lang=en", {"username": "admin", "password": PASSWORD})
    assert english.status_code == 429
    assert "Too many login attempts" in english.content.decode()


def test_behind_the_proxy_each_client_counts_for_itself(admin_user, settings):
    """Behind Caddy every request comes from the proxy's address: without reading X-Forwarded-For, one
    attacker would lock everybody out (and share one budget with them)."""
    settings.PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for i in range(12):
        login(attacker, f"mauvais-{i}")
    assert login(attacker, PASSWORD).status_code == 429
    # A spoofed left-most entry changes nothing: the proxy's own entry (right-most) is the client.
    spoofing = Client(REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.66")
    assert login(spoofing, PASSWORD).status_code == 429
    colleague = Client(REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert login(colleague, PASSWORD).status_code == 302
