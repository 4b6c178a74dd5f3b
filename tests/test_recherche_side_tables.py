"""The search's side tables (dispositifs/side_tables.py) follow every write, through their triggers:
a change to a dispositif, its themes or its lieux is seen by the next search, and the facettes."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from dispositifs.models import Dispositif, Lieu
from dispositifs.recherche import Filters, clear_caches, resolve_place, search

from .recherche_map import CALCUL, EMPLOI, FRANCAIS, dispositif

pytestmark = pytest.mark.django_db


@pytest.fixture
def chenove():
    return resolve_place(commune="21166")


def found(place, **filters):
    clear_caches()
    return {r.dispositif.pk: r for r in search(place, Filters(national=False, **filters)).page(1, 100)}


def test_dispositif_update_reaches_proximity(chenove):
    d = dispositif("Atelier", themes=[FRANCAIS], lieux=[("21166", 0, 0)], free=True, languages=["ar"])
    assert d.pk in found(chenove, gratuit=True, langue="ar")
    Dispositif.objects.filter(pk=d.pk).update(free=False)
    assert d.pk not in found(chenove, gratuit=True)
    d.refresh_from_db()
    d.status = "archive"
    d.save()
    assert d.pk not in found(chenove)


def test_themes_changes_reach_filter_and_facettes(chenove):
    d = dispositif("Atelier", themes=[FRANCAIS], lieux=[("21166", 0, 0)])
    result = search(chenove, Filters(national=False, themes=["lecture-ecriture-calcul"]))
    assert [r.dispositif.pk for r in result.page(1, 10)] == [d.pk]
    assert result.facettes["themes"] == {"lecture-ecriture-calcul": 1, FRANCAIS: 1}
    d.themes.set([EMPLOI])
    assert d.pk not in found(chenove, themes=["lecture-ecriture-calcul"])
    result = search(chenove, Filters(national=False, themes=[EMPLOI]))
    assert [r.dispositif.pk for r in result.page(1, 10)] == [d.pk]
    assert result.facettes["themes"] == {EMPLOI: 1}
    d.themes.add(CALCUL)
    assert found(chenove, themes=[CALCUL])[d.pk].themes[0].slug == CALCUL


def test_lieu_moves_and_deletes(chenove):
    d = dispositif("Atelier", lieux=[("21166", 0, 0)])
    assert found(chenove, rayon_km=5)[d.pk].portee == "proximite"
    lieu = Lieu.objects.get(dispositif=d)
    lieu.point = Point(lieu.point.x + 1.0, lieu.point.y, srid=4326)   # ~75 km east
    lieu.save()
    assert d.pk not in found(chenove, rayon_km=5)
    lieu.delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dispositifs_recherche_lieu WHERE dispositif_id = %s", [d.pk])
        assert cursor.fetchone()[0] == 0


def test_deferred_block_refreshes_once_at_its_end(chenove):
    """What the import does: inside side_tables.deferred() the triggers only note the dispositifs,
    and the rows appear, with their themes, when the block ends."""
    from dispositifs import side_tables

    with side_tables.deferred():
        d = dispositif("Atelier", themes=[FRANCAIS], lieux=[("21166", 0, 0)], languages=["ar"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM dispositifs_recherche_lieu WHERE dispositif_id = %s", [d.pk])
            assert cursor.fetchone()[0] == 0
    assert d.pk in found(chenove, langue="ar", themes=["lecture-ecriture-calcul"])
    Dispositif.objects.filter(pk=d.pk).update(free=True)   # outside the block: the triggers again
    assert d.pk in found(chenove, gratuit=True)
