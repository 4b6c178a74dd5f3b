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


def _stored_order(ids) -> list[int]:
    """The lieux of the side table in the order of their rows on disk."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT lieu_id FROM dispositifs_recherche_lieu WHERE lieu_id = ANY(%s) ORDER BY ctid", [ids])
        return [row[0] for row in cursor.fetchall()]


def _spatial_order(ids) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM dispositifs_lieu WHERE id = ANY(%s) ORDER BY point::geometry", [ids])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("deferred", [False, True], ids=["trigger", "import refresh"])
def test_lieux_rows_are_stored_in_spatial_order(deferred):
    """Written in one statement in an order that zigzags across France, the side rows are stored along the
    space-filling curve (dispositifs/sql/recherche.sql): the KNN walk of a search then reads few pages."""
    from dispositifs import side_tables

    with connection.cursor() as cursor:   # an empty table: rows go on its pages in the order written (in a used
        cursor.execute("TRUNCATE dispositifs_recherche_lieu")   # one, a row may fill a hole an earlier one left)
    d = dispositif("Atelier")
    points = [(-4.5 + 9.0 * (i % 2) + 0.01 * i, 43.0 + 0.05 * i) for i in range(40)]   # west, east, west…
    lieux = [Lieu(dispositif=d, commune_id="21166", name=f"Lieu {i}", point=Point(x, y, srid=4326))
             for i, (x, y) in enumerate(points)]
    if deferred:
        with side_tables.deferred():
            created = Lieu.objects.bulk_create(lieux)
    else:
        created = Lieu.objects.bulk_create(lieux)
    ids = [lieu.pk for lieu in created]
    assert _spatial_order(ids) != ids   # the order written is not already the spatial one
    assert _stored_order(ids) == _spatial_order(ids)
