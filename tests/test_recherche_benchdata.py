"""The benchmark generator (bench/data.py) writes the promised shape, and search runs on it."""

import pytest
from django.db import connection

from bench import data as benchdata
from dispositifs.models import Dispositif, Lieu
from dispositifs.recherche import Filters, resolve_place, search

pytestmark = pytest.mark.django_db


def test_generate_shape_and_search():
    summary = benchdata.generate(n_dispositifs=3000, n_lieux=6000, seed=7)
    assert summary["dispositifs"] == Dispositif.objects.count() == 3000
    assert summary["lieux"] == Lieu.objects.count() == 6000
    assert 100 <= Dispositif.objects.filter(national=True).count() <= 200          # ~5%
    for level in ("communes", "departements", "regions"):
        assert getattr(Dispositif, level).through.objects.exists(), level
    unreachable = Dispositif.objects.filter(national=False, lieux__isnull=True, communes__isnull=True,
                                            departements__isnull=True, regions__isnull=True)
    assert not unreachable.exists()
    # Lieux follow population: Paris (2.1 M inhabitants) gets many, a village almost none.
    assert Lieu.objects.filter(commune_id="75056").count() > 100
    with connection.cursor() as cursor:   # ids continue after the generated ones
        cursor.execute("SELECT nextval(pg_get_serial_sequence('dispositifs_dispositif', 'id'))")
        assert cursor.fetchone()[0] == 3001

    result = search(resolve_place(commune="75056"), Filters())
    first = result.page(1, 20)
    assert first[0].portee == "proximite" and first[0].distance_m < 5000
    assert result.count > 150


def test_refuses_a_real_database(settings, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "annuaire")
    with pytest.raises(RuntimeError, match="not a bench/test database"):
        benchdata.generate(n_dispositifs=10, n_lieux=10)
