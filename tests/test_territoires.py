import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from territoires.loader import load_territoires
from territoires.models import Commune, Departement, Region
from territoires.text import fold

pytestmark = pytest.mark.django_db


def test_counts_match_the_cog():
    # the 101 départements and their 18 régions, and Saint-Barthélemy and Saint-Martin (région,
    # département and commune each, without contour: tests/test_collectivites.py)
    assert Region.objects.count() == 18 + 2
    assert Departement.objects.count() == 101 + 2
    assert Commune.objects.count() == 34875 + 2
    assert set(Commune.objects.filter(contour__isnull=True).values_list("code", flat=True)) == {"97701", "97801"}


def test_second_load_changes_nothing():
    summary = load_territoires()
    assert not summary.changed
    assert summary.communes.unchanged == 34875 + 2
    assert summary.departements.unchanged == 101 + 2 and summary.regions.unchanged == 18 + 2


def test_a_changed_commune_is_rewritten_and_only_it():
    Commune.objects.filter(code="21166").update(nom="Chenove (faux)")
    summary = load_territoires()
    assert (summary.communes.updated, summary.communes.created) == (1, 0)
    assert Commune.objects.get(code="21166").nom == "Chenôve"


def test_codes_keep_leading_zeros_and_corsica():
    assert Commune.objects.get(code="01001").departement_id == "01"
    ajaccio = Commune.objects.get(code="2A004")
    assert (ajaccio.departement_id, ajaccio.region_id) == ("2A", "94")
    assert "20000" in ajaccio.codes_postaux


def test_populations_are_summed_up_the_hierarchy():
    assert Departement.objects.get(code="75").population == Commune.objects.get(code="75056").population
    total = sum(Region.objects.values_list("population", flat=True))
    assert total == 68_350_798 + 10_660 + 31_160   # the 101 départements, Saint-Barthélemy, Saint-Martin


def test_every_commune_centre_lies_in_its_departement_within_1_km():
    with connection.cursor() as c:
        c.execute("""
            SELECT count(*) FROM territoires_commune c JOIN territoires_departement d ON d.code = c.departement_id
            WHERE NOT ST_Intersects(d.contour, c.centre)
              AND NOT ST_DWithin(d.contour::geography, c.centre::geography, 1000)""")
        assert c.fetchone()[0] == 0
        c.execute("""
            SELECT count(*) FROM territoires_commune c JOIN territoires_departement d ON d.code = c.departement_id
            WHERE NOT ST_Intersects(d.contour, c.centre)""")
        assert c.fetchone()[0] <= 10  # a few coastal points off the simplified outline


def test_point_in_commune_uses_subdivided_contours():
    chenove = Point(5.0055, 47.2913, srid=4326)  # town centre of Chenôve, south of Dijon
    assert Commune.objects.locate(chenove).code == "21166"
    assert Commune.objects.locate(Point(2.3522, 48.8566, srid=4326)).code == "75056"


def test_point_at_sea_falls_back_to_nearest_commune_or_none():
    off_marseille = Point(5.30, 43.27, srid=4326)  # in the harbour, off the simplified coast
    commune = Commune.objects.locate(off_marseille, max_km=10)
    assert commune is not None and commune.departement_id == "13"
    assert Commune.objects.locate(Point(-30.0, 45.0, srid=4326)) is None


@pytest.mark.parametrize("typed, code", [
    ("saint etienne", "42218"), ("Saint-Étienne", "42218"), ("st etienne", "42218"),
    ("21000", "21231"), ("dijon", "21231"), ("chenove", "21166"), ("Besanc", "25056"),
])
def test_commune_search_is_accent_case_and_hyphen_insensitive(typed, code):
    assert Commune.objects.search(typed).first().code == code


def test_fold():
    assert fold("L'Haÿ-les-Roses") == "l hay les roses"
    assert fold("  Saint-Étienne ") == "saint etienne"
    assert fold(None) == ""
