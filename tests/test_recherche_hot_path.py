"""The search's hot path (issue #13): a place given as an INSEE code is read by the search statement
itself, the national slice and the theme vocabulary are kept per process without answering stale, and the
parameters are parsed by fields bound once, as the serializer would."""

import json

import pytest
from django.core.cache import cache

from dispositifs import recherche
from dispositifs.filters import RechercheParams
from dispositifs.localisation import DeferredPlace, resolve_place
from dispositifs.models import Theme

from .recherche_map import FRANCAIS, build_map, dispositif

pytestmark = pytest.mark.django_db
URL = "/api/v1/recherche/"


@pytest.fixture
def m():
    return build_map()


def test_a_deferred_place_answers_like_the_resolved_one(m):
    deferred = resolve_place(commune="21166", deferred=True)
    assert isinstance(deferred, DeferredPlace)
    resolved = resolve_place(commune="21166")
    fast = recherche.run_search(deferred, recherche.Filters(), limit=100)
    slow = recherche.run_search(resolved, recherche.Filters(), limit=100)
    assert (fast.results, fast.count, fast.facettes) == (slow.results, slow.count, slow.facettes)
    assert deferred.as_dict() == resolved.as_dict() == deferred.resolved.as_dict()
    assert deferred.resolved.point.coords == resolved.point.coords   # the national cards measure from it


def test_an_unknown_insee_code_is_a_404_from_the_statement(client, m, django_assert_num_queries):
    with django_assert_num_queries(4):   # SAVEPOINT, SET LOCAL, the statement (no row), RELEASE
        r = client.get(URL, {"commune": "21999"})
    assert r.status_code == 404 and r.json()["parametre"] == "commune"
    assert "Aucune commune n'a le code INSEE « 21999 »" in r.json()["detail"]


def test_national_page_is_read_in_title_order_without_the_ones_matched_closer(client, m):
    everything = client.get(URL, {"commune": "21166", "page_size": 100}).json()
    titles = [x["titre"] for x in everything["results"]]
    nationals = [x["titre"] for x in everything["results"] if x["portee"] == "national"]
    assert nationals == sorted(nationals) and len(set(titles)) == len(titles) == everything["count"]
    # one page at a time gives the same sequence, whatever the cut
    paged = []
    for page in range(1, 5):
        body = client.get(URL, {"commune": "21166", "page_size": 3, "page": page}).json()
        paged += [x["titre"] for x in body["results"]]
    assert paged == titles


def test_national_slice_kept_in_the_database_follows_a_write(client, m, django_assert_num_queries):
    from dispositifs.side_tables import RechercheNationale

    client.get(URL, {"commune": "21166"})   # counts the slice and keeps it
    assert RechercheNationale.objects.count() == 1
    cache.clear()   # nothing in Django's cache or the process: the statement reads it from its table
    with django_assert_num_queries(4):   # SAVEPOINT, SET LOCAL, the statement, RELEASE
        assert client.get(URL, {"commune": "21166"}).json()["count"] == 10
    dispositif("C national nouveau", national=True)   # a new generation: the kept slice no longer answers
    body = client.get(URL, {"commune": "21166", "page_size": 100}).json()
    assert body["count"] == 11 and body["results"][-1]["titre"] == "C national nouveau"


def test_a_database_that_refuses_to_keep_the_slice_still_answers(client, m, caplog):
    """A read-only role, a read-only transaction or a full disk refuse the slice's write: the search counts
    it without keeping it, and answers as it would have."""
    from django.db import connection

    from dispositifs.side_tables import RechercheNationale

    expected = client.get(URL, {"commune": "21166", "page_size": 100}).content
    RechercheNationale.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("""CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'cannot execute INSERT in a read-only transaction'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON dispositifs_recherche_nationale
            FOR EACH ROW EXECUTE FUNCTION refuse()""")
    r = client.get(URL, {"commune": "21166", "page_size": 100})
    assert r.status_code == 200 and r.content == expected
    assert RechercheNationale.objects.count() == 0 and "national slice not kept" in caplog.text


@pytest.mark.parametrize("params", [
    {"commune": "21166"},
    {"commune": "21231", "theme": FRANCAIS},
    {"commune": "21166", "gratuit": "true", "page_size": 3, "page": 2},
])
def test_the_statement_merges_the_kept_slice_as_the_first_search_did(client, m, params):
    """The first search counts the national slice and merges it in Python; the next ones find it kept and
    the statement merges it: the same count, facettes (in the same order) and results, byte for byte."""
    first = client.get(URL, params).content
    again = client.get(URL, params).content
    assert again == first
    body = json.loads(first)
    counts = list(body["facettes"]["themes"].items())
    assert counts == sorted(counts, key=lambda kv: (-kv[1], kv[0])) and counts


def _national_titles(client, **params):
    body = client.get(URL, {"commune": "21166", **params}).json()
    return [x["titre"] for x in body["results"] if x["portee"] == "national"]


def test_national_pages_are_read_from_the_kept_slice_first_ids(client, m):
    """The slice keeps its first national ids in title order: a page reaching the national results reads them
    instead of the coverage range (a rare filter read all of it), less the ones matched closer."""
    from dispositifs.side_tables import RechercheNationale

    closer = dispositif("A national avec un lieu", national=True, lieux=[("21166", 0.001, 0)])
    everything = _national_titles(client, page_size=100)   # counts the slice and keeps it
    kept = RechercheNationale.objects.get()
    assert kept.premiers == [closer.pk, m.national_a.pk, m.national_b.pk]   # the slice is the same everywhere
    assert everything == ["A national hotline", "B national en ligne"]      # the closer one is a proximity
    paged = [t for page in range(1, 7) for t in _national_titles(client, page_size=2, page=page)]   # 11 results
    assert paged == everything
    RechercheNationale.objects.update(premiers=[closer.pk, m.national_b.pk, m.national_a.pk])
    assert _national_titles(client, page_size=100) == ["B national en ligne", "A national hotline"]


def test_a_slice_too_short_for_the_page_reads_the_coverage_range(client, m, monkeypatch):
    from dispositifs import recherche_sql
    from dispositifs.side_tables import RechercheNationale

    monkeypatch.setattr(recherche_sql, "NATIONAL_PREFIX", 1)
    everything = _national_titles(client, page_size=100)
    assert RechercheNationale.objects.get().premiers == [m.national_a.pk]
    RechercheNationale.objects.update(premiers=[m.national_b.pk])   # not read: it cannot hold the page
    assert _national_titles(client, page_size=100) == everything == ["A national hotline", "B national en ligne"]


def test_a_theme_added_by_another_process_is_never_refused(client, m):
    assert client.get(URL, {"commune": "21166", "theme": FRANCAIS}).status_code == 200   # the vocabulary kept
    # another process saves a theme: its signal empties the shared cache, not this process's copy
    Theme.objects.bulk_create([Theme(slug="nouveau-theme", label="Nouveau thème", position=999)])
    cache.delete(recherche.THEMES_CACHE_KEY)
    r = client.get(URL, {"commune": "21166", "theme": "nouveau-theme"})
    assert r.status_code == 200 and r.json()["count"] == 0
    assert client.get(URL, {"commune": "21166", "theme": "pas-un-theme"}).status_code == 400


@pytest.mark.parametrize("params", [
    {"commune": "21166"},
    {"commune": "21166", "theme": [FRANCAIS, "se-former"], "age": "30", "rayon_km": "12,5", "national": "non"},
    {"commune": "21166", "theme": "cuisine-du-monde"},
    {"commune": "21166", "theme": "cuisine-du-monde", "age": "-1"},
    {"commune": "21166", "age": "-1", "public": "martiens"},
    {"commune": "21166", "page_size": "1000"},
    {"lat": "47.3", "lon": "", "gratuit": "peut-être"},
])
def test_bound_fields_parse_as_the_serializer_does(params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    serializer = RechercheParams(data=query)
    if serializer.is_valid():
        assert RechercheParams.parse(query) == dict(serializer.validated_data)
    else:
        name, messages = next(iter(serializer.errors.items()))
        with pytest.raises(recherche.InvalidSearch) as error:
            RechercheParams.parse(query)
        assert (error.value.param, error.value.detail) == (name, str(messages[0]))


@pytest.mark.parametrize("lat, lon", [
    (47.2926, 5.0048),     # Chenôve
    (47.3220, 5.0415),     # Dijon
    (46.0436, -1.1748),    # off the île d'Aix: no contour, the nearest centre within 5 km (17004)
    (46.0136, -1.1348),    # the same, further east
    (43.2650, 5.3600),     # off Marseille: no contour, the nearest centre 5.7 km away
    (48.8566, 2.3522),     # Paris
    (43.3000, 4.9000),     # the sea, further: the nearest centre may be beyond 5 km
    (45.0, -5.0),          # the Atlantic: no commune
])
def test_a_deferred_point_is_located_as_the_orm_locates_it(m, lat, lon):
    from dispositifs.localisation import PlaceUnknown

    deferred = resolve_place(lat=str(lat), lon=str(lon), deferred=True)
    try:
        resolved = resolve_place(lat=str(lat), lon=str(lon))
    except PlaceUnknown as error:
        with pytest.raises(PlaceUnknown) as fast_error:
            recherche.run_search(deferred, recherche.Filters())
        assert fast_error.value.detail == error.detail
        return
    fast = recherche.run_search(deferred, recherche.Filters(), limit=100)
    slow = recherche.run_search(resolved, recherche.Filters(), limit=100)
    assert deferred.as_dict() == resolved.as_dict()
    assert (fast.results, fast.count) == (slow.results, slow.count)


def test_a_point_in_the_sea_is_a_404(client):
    r = client.get(URL, {"lat": "45.0", "lon": "-5.0"})
    assert r.status_code == 404 and "Aucune commune française à cet endroit (lat=45.0, lon=-5.0)" in r.json()["detail"]
