"""One declaration per filter (dispositifs/filters.py): the database, the migrations, the API's
parsing and OpenAPI text, the ORM condition and the SQL fragment all follow it, and these tests
fail as soon as one of them disagrees."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from dispositifs import side_tables
from dispositifs.filters import FILTRES, Filters, keyed_filters, side_columns
from dispositifs.models import Dispositif
from dispositifs.recherche_sql import key_where, where
from dispositifs.side_tables import RechercheCouverture, RechercheLieu

from .recherche_map import CALCUL, EMPLOI, FRANCAIS, dispositif

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(databases="__all__")  # makemigrations reads every alias (tests/test_replica.py adds one)
def test_migrations_follow_the_declaration():
    """A filter added without its generated migration fails here (makemigrations has work to do)."""
    out = io.StringIO()
    try:
        call_command("makemigrations", "dispositifs", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit:
        pytest.fail("the filter declaration and the migrations disagree:\n" + out.getvalue())


@pytest.mark.parametrize("model", [RechercheLieu, RechercheCouverture])
def test_side_table_columns_are_the_declared_ones(model):
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = %s",
                       [model._meta.db_table])
        columns = dict(cursor.fetchall())
    for column in side_columns():
        assert column.name in columns, f"{model._meta.db_table} has no column {column.name}"
        db_type = column.field().db_type(connection)
        expected = {"varchar(120)[]": "_varchar", "smallint": "int2", "boolean": "bool"}.get(db_type, db_type)
        assert columns[column.name] == expected or expected.startswith(columns[column.name]), column.name


def test_triggers_are_the_rendered_declaration():
    """apply() ran with this declaration (its fingerprint is on the table) and every trigger exists;
    the trigger functions fill exactly the declared columns."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description('dispositifs_recherche_lieu'::regclass, 'pg_class')")
        assert cursor.fetchone()[0] == f"recherche {side_tables.fingerprint()}"
        cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal")
        present = set(cursor.fetchall())
        cursor.execute("SELECT pg_get_functiondef('recherche_refresh_lieux(bigint[])'::regprocedure)")
        body = cursor.fetchone()[0]
    assert set(side_tables.trigger_names()) <= present
    assert ", ".join(c.name for c in side_columns()) in body


def test_apply_recomputes_rows_only_when_the_declaration_changed():
    d = dispositif("Atelier", themes=[FRANCAIS], lieux=[("21166", 0, 0)], languages=["ar"])
    assert side_tables.apply() is False   # same fingerprint: nothing recomputed
    with connection.cursor() as cursor:
        cursor.execute("UPDATE dispositifs_recherche_lieu SET languages = '{}' WHERE dispositif_id = %s", [d.pk])
        cursor.execute("COMMENT ON TABLE dispositifs_recherche_lieu IS 'recherche older'")
    assert side_tables.apply() is True
    assert RechercheLieu.objects.get(dispositif_id=d.pk).languages == ["ar"]


# Values to try for each filter; every one must select the same dispositifs through the ORM
# condition and through the SQL fragment on the side tables.
VALUES = {"themes": [[FRANCAIS], ["lecture-ecriture-calcul"], [EMPLOI, CALCUL]],
          "public": ["femmes", "bpi"], "langue": ["ar", "fr", "uk"], "age": [12, 30, 70],
          "gratuit": [True, False], "modalite": ["presentiel", "distance", "mixte"],
          "niveau_francais": ["aucun", "A2", "C2"]}


def test_every_filter_has_values_to_try():
    assert set(VALUES) == {f.name for f in FILTRES}


@pytest.fixture
def variety():
    rows = [
        dict(themes=[FRANCAIS], languages=["ar", "fr"], free=True, age_min=16, publics=["femmes"]),
        dict(themes=[CALCUL], languages=[], free=False, modality="mixte", age_max=25, french_level="A1"),
        dict(themes=[EMPLOI], publics=["tous-publics"], modality="distance", french_level="B2", age_min=60),
        dict(themes=[FRANCAIS, EMPLOI], languages=["uk"], publics=["bpi", "jeunes"], free=None),
        dict(themes=["lecture-ecriture-calcul"], french_level="", publics=[], modality="presentiel"),
    ]
    return [dispositif(f"D{i}", lieux=[("21166", 0.001 * i, 0)], **fields) for i, fields in enumerate(rows)]


@pytest.mark.parametrize("filtre", FILTRES, ids=lambda f: f.name)
def test_orm_condition_and_sql_fragment_agree(variety, filtre):
    sizes = []
    for value in VALUES[filtre.name]:
        filters = Filters(**{filtre.name: value})
        orm = set(Dispositif.objects.published().current().matching(filters).values_list("pk", flat=True))
        params: dict = {}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT dispositif_id FROM dispositifs_recherche_lieu l "
                           f"WHERE {where(filters, 'l', params)}", params)
            fast = {row[0] for row in cursor.fetchall()}
        assert orm == fast, (filtre.name, value)
        sizes.append(len(orm))
    assert any(0 < n < len(variety) for n in sizes), sizes   # the values do select


@pytest.mark.parametrize("filtre", FILTRES, ids=lambda f: f.name)
def test_openapi_and_parsing_come_from_the_declaration(client, filtre):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/recherche/"]["get"]["parameters"]}
    assert filtre.param in parameters
    assert parameters[filtre.param]["description"].startswith(filtre.description.split(" / ")[0][:30])
    r = client.get("/api/v1/recherche/", {"commune": "21166", filtre.param: "\u2603 pas une valeur"})
    assert r.status_code == 400 and r.json()["parametre"] == filtre.param


def test_the_knn_index_holds_the_keyed_filters():
    """The lieux' KNN index is the point and one key per keyed filter, in the database as declared."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'recherche_lieu_proximite'")
        definition = cursor.fetchone()[0]
    keys = [f"recherche_cles({f.key})" for f in keyed_filters()]   # gist__int_ops: the default class, not shown
    assert keys and definition.endswith("gist (point, " + ", ".join(keys) + ")"), definition


@pytest.mark.parametrize("filtre", keyed_filters(), ids=lambda f: f.name)
def test_index_keys_never_drop_a_match(variety, filtre):
    """The key a search asks the index for keeps every row the filter's SQL fragment keeps (and only narrows
    the walk): same rows with and without it, through the index itself."""
    for value in VALUES[filtre.name]:
        filters = Filters(**{filtre.name: value})
        params: dict = {}
        rows = {}
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            for name, keys in (("fragment", "true"), ("index", key_where(filters, "l", params))):
                cursor.execute(f"SELECT lieu_id FROM dispositifs_recherche_lieu l WHERE {keys} "
                               f"AND {where(filters, 'l', params)}", params)
                rows[name] = {row[0] for row in cursor.fetchall()}
        assert rows["index"] == rows["fragment"], (filtre.name, value)


def test_a_row_with_more_elements_than_the_index_holds_is_still_found():
    """intarray's GiST class holds at most 200 elements per array: a dispositif listing more languages than
    that is written (its keys are the wildcard) and a search for one of them still finds it, through the
    search function and its index."""
    from dispositifs import recherche
    from dispositifs.localisation import resolve_place

    codes = [f"{a}{b}{c}" for a in "abcdefg" for b in "abcdefghij" for c in "abc"][:210]
    many = dispositif("Mille langues", themes=[FRANCAIS], lieux=[("21166", 0, 0)], languages=codes)
    few = dispositif("Deux langues", themes=[FRANCAIS], lieux=[("21166", 0.001, 0)], languages=["ar", "fr"])
    place = resolve_place(commune="21166")
    for langue, expected in (("bca", {many.pk}), ("ar", {few.pk})):
        answer = recherche.run_search(place, Filters(langue=langue, national=False), limit=100)
        ids = {item["id"] for item in json.loads(answer.results)}
        assert ids == expected, langue
