"""Search rules (docs/ARCHITECTURE.md, "The rules") on the hand-built map of tests/recherche_map.py."""

import pytest

from dispositifs.models import Dispositif
from dispositifs.recherche import Filters, InvalidSearch, PlaceNotFound, resolve_place, search

from .recherche_map import CALCUL, EMPLOI, FORMATION, FRANCAIS, build_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return build_map()


@pytest.fixture
def chenove():
    return resolve_place(commune="21166")


def titles(result, size=100):
    return [(r.dispositif.title, r.portee) for r in result.page(1, size)]


def test_order_and_reasons(m, chenove):
    got = titles(search(chenove, Filters()))
    assert got == [
        ("Deux lieux", "proximite"),              # ~0.25 km (its Chenôve lieu, not the Talant one)
        ("Français à Chenôve", "proximite"),     # ~0.4 km
        ("Atelier calcul Dijon", "proximite"),   # ~4 km
        ("Formation Nuits", "proximite"),        # ~17 km
        ("Mairie de Chenôve", "commune"),
        ("Emploi Côte-d'Or", "departement"),     # nearest lieu ~34 km first
        ("Accompagnement départemental", "departement"),  # no lieu: after those with one
        ("Région BFC", "region"),
        ("A national hotline", "national"),      # national by title
        ("B national en ligne", "national"),
    ]


def test_one_entry_per_dispositif_with_the_nearer_lieu(m, chenove):
    results = search(chenove, Filters()).page(1, 50)
    entries = [r for r in results if r.dispositif == m.two_lieux]
    assert len(entries) == 1
    assert entries[0].lieu_proche.commune_id == "21166"
    assert entries[0].distance_m < 1000


def test_distance_and_lieu_proche(m, chenove):
    by_id = {r.dispositif.pk: r for r in search(chenove, Filters()).page(1, 50)}
    assert 3000 < by_id[m.dijon.pk].distance_m < 6000
    assert 15000 < by_id[m.nuits.pk].distance_m < 20000
    assert 30000 < by_id[m.beaune_dep.pk].distance_m < 40000
    assert by_id[m.dep_no_lieu.pk].distance_m is None and by_id[m.dep_no_lieu.pk].lieu_proche is None
    assert by_id[m.region.pk].lieu_proche.commune_id == "25056"


def test_near_beats_far(m, chenove):
    got = [t for t, _ in titles(search(chenove, Filters()))]
    assert got.index("Atelier calcul Dijon") < got.index("Formation Nuits")


def test_national_false_removes_national(m, chenove):
    got = titles(search(chenove, Filters(national=False)))
    assert all(portee != "national" for _, portee in got)
    assert ("Région BFC", "region") in got


def test_rayon_bounds_proximity(m, chenove):
    got = dict(titles(search(chenove, Filters(rayon_km=10))))
    assert got["Atelier calcul Dijon"] == "proximite"
    assert "Formation Nuits" not in got                      # 17 km, no coverage
    assert got["Emploi Côte-d'Or"] == "departement"


def test_coverage_of_lieu_beyond_radius_is_its_coverage(m):
    beaune = resolve_place(commune="21054")
    got = dict(titles(search(beaune, Filters(rayon_km=5))))
    assert got["Emploi Côte-d'Or"] == "proximite"
    assert "Mairie de Chenôve" not in got                   # covers Chenôve only
    assert "Français à Chenôve" not in got


def test_excludes_drafts_ended_elsewhere(m, chenove):
    got = [t for t, _ in titles(search(chenove, Filters()))]
    for title in ("Brouillon à Chenôve", "Fini à Chenôve", "Lyon seulement", "Jura"):
        assert title not in got


def test_parent_theme_matches_children(m, chenove):
    got = [t for t, _ in titles(search(chenove, Filters(themes=["lecture-ecriture-calcul"])))]
    assert got == ["Deux lieux", "Français à Chenôve", "Atelier calcul Dijon", "Mairie de Chenôve",
                   "B national en ligne"]
    got = [t for t, _ in titles(search(chenove, Filters(themes=[CALCUL])))]
    assert got == ["Atelier calcul Dijon"]


def test_filters_combine(m, chenove):
    assert [t for t, _ in titles(search(chenove, Filters(themes=[FRANCAIS], langue="ar")))] == ["Français à Chenôve"]
    assert [t for t, _ in titles(search(chenove, Filters(gratuit=True)))] == ["Français à Chenôve", "Formation Nuits"]
    assert [t for t, _ in titles(search(chenove, Filters(gratuit=True, age=12)))] == ["Formation Nuits"]
    got = [t for t, _ in titles(search(chenove, Filters(modalite="distance")))]
    assert got == ["Atelier calcul Dijon", "A national hotline", "B national en ligne"]  # mixte serves distance
    got = [t for t, _ in titles(search(chenove, Filters(public="femmes", themes=[CALCUL, FORMATION])))]
    assert got == ["Atelier calcul Dijon", "Formation Nuits", "Région BFC"]  # no publics = open to all
    got = [t for t, _ in titles(search(chenove, Filters(niveau_francais="A2", themes=[FORMATION])))]
    assert got == ["Région BFC"]                                             # Nuits requires B1


def test_facettes_and_count(m, chenove):
    result = search(chenove, Filters())
    assert result.count == 10
    themes = result.facettes["themes"]
    assert themes[FRANCAIS] == 4
    assert themes["lecture-ecriture-calcul"] == 5   # parent counts its children's dispositifs once
    assert themes[EMPLOI] == 3
    assert FORMATION in themes and "se-former" in themes


def test_pagination(m, chenove):
    result = search(chenove, Filters())
    full = [r.dispositif.pk for r in result.page(1, 100)]
    assert [r.dispositif.pk for r in result.page(2, 3)] == full[3:6]
    assert [r.dispositif.pk for r in result[4:7]] == full[4:7]
    assert result.page(5, 3) == [] and result.count == 10


def test_fast_sql_agrees_with_the_orm_definition(m):
    """recherche_sql and DispositifQuerySet.reachable_from state the same rules."""
    for place, filters in [(resolve_place(commune="21166"), Filters()),
                           (resolve_place(commune="21054"), Filters(rayon_km=5, national=False)),
                           (resolve_place(code_postal="25000"), Filters(themes=["se-former"])),
                           (resolve_place(lat=47.32, lon=5.04), Filters(gratuit=False))]:
        fast = [(r.dispositif.pk, r.portee) for r in search(place, filters).page(1, 100)]
        orm = (Dispositif.objects.published().current().matching(filters)
               .reachable_from(place, radius_km=filters.rayon_km, national=filters.national).ordered_by_portee())
        assert fast == [(d.pk, d.portee) for d in orm]


# -- place resolution -------------------------------------------------------------------------
def test_resolve_place_ways():
    assert resolve_place(commune="21166").commune.code == "21166"
    assert resolve_place(commune="chenove").commune.code == "21166"
    place = resolve_place(lat="47.3228", lon="5.0374")
    assert place.commune.code == "21231" and place.departement.code == "21" and place.region.code == "27"
    assert resolve_place(code_postal="21000").commune.code == "21231"
    assert resolve_place(adresse="3 place de la République 21300 Chenôve").commune.code == "21166"
    assert resolve_place(adresse="12 rue Victor Hugo, Saint-Étienne").commune.code == "42218"
    assert resolve_place(adresse="69001").commune.code == "69123"


@pytest.mark.parametrize("kwargs, words", [
    ({}, "Indiquez un lieu"),
    ({"lat": "47.3"}, "lat et lon"),
    ({"lat": "abc", "lon": "5"}, "nombre"),
    ({"lat": "95", "lon": "5"}, "entre"),
    ({"lat": "40.0", "lon": "-30.0"}, "Aucune commune"),
    ({"commune": "99999"}, "code INSEE"),
    ({"code_postal": "21 0O0"}, "Code postal invalide"),
    ({"code_postal": "00000"}, "Aucune commune"),
    ({"adresse": "nulle part qqq"}, "Adresse introuvable"),
    ({"commune": "21166", "code_postal": "21000"}, "un seul lieu"),
])
def test_place_errors(kwargs, words):
    with pytest.raises(PlaceNotFound) as err:
        resolve_place(**kwargs)
    assert words in str(err.value)


@pytest.mark.parametrize("params, words", [
    ({"theme": "cuisine"}, "Thème inconnu"),
    ({"rayon_km": "0"}, "rayon_km"),
    ({"rayon_km": "500"}, "au plus 200"),
    ({"rayon_km": "nan"}, "rayon_km"),
    ({"rayon_km": "loin"}, "nombre"),
    ({"age": "douze"}, "entier"),
    ({"gratuit": "peut-être"}, "true ou false"),
    ({"modalite": "fusée"}, "Valeurs possibles"),
    ({"langue": "français!"}, "ISO 639-1"),
])
def test_filter_errors(params, words):
    with pytest.raises(InvalidSearch) as err:
        Filters.from_params(params)
    assert words in err.value.detail


def test_filters_from_params():
    f = Filters.from_params({"theme": "se-former,sante", "rayon_km": "12,5", "national": "false",
                             "gratuit": "oui", "modalite": "À distance", "niveau_francais": "a2", "age": "30"})
    assert f.themes == ["se-former", "sante"] and f.rayon_km == 12.5 and f.national is False
    assert f.gratuit is True and f.modalite == "distance" and f.niveau_francais == "A2" and f.age == 30
