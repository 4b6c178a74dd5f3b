"""The personal space's dashboard: my territory at a glance, and only mine."""

from datetime import date, timedelta

import pytest

from dispositifs.models import Dispositif
from tests.comptes_cases import build_cases, fast_passwords  # noqa: F401

pytestmark = pytest.mark.django_db


def test_operator_dashboard_counts_its_territory(client):
    c = build_cases()
    Dispositif.objects.filter(pk=c.inside.pk).update(last_verified=date.today() - timedelta(days=10))
    client.force_login(c.operateur)
    r = client.get("/espace/")
    assert r.status_code == 200
    assert r.context["published"] == 1 and r.context["total"] == 1  # Rennes and the national offer are not mine
    assert dict((t.slug, n) for t, n in r.context["by_theme"])["lecture-ecriture-calcul"] == 1
    assert r.context["freshness"] == {"recent": 1, "old": 0, "never": 0}
    page = r.content.decode()
    assert "Côte-d&#x27;Or (21)" in page or "Côte-d'Or (21)" in page
    assert "/api/v1/exports/xlsx/?departement=21" in page and "/territoires/departements/21/" in page


def test_structure_member_lists_only_its_structure(client):
    c = build_cases()
    client.force_login(c.structure)
    titles = [d.title for d in client.get("/espace/dispositifs/").context["page"]]
    assert titles == ["Cours à Dijon"]  # not Rennes, not the national offer of its own structure


def test_account_without_role_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user("personne", "personne@example.org", "x")
    client.force_login(user)
    assert client.get("/espace/").status_code == 403
