"""The search's side tables (docs/ARCHITECTURE.md, "Side tables"), kept by PostgreSQL triggers.

- `RechercheLieu`: one row per lieu of a published dispositif, with its point and the dispositif's
  filter columns: the KNN walk on its GiST index filters on the row the index points to.
- `RechercheCouverture`: one row per (published dispositif, coverage code): `c<commune>`,
  `d<département>`, `r<région>`, `n` for national, with the same columns and the title: coverage
  is one index range per code, the national slice one range on `n` already in title order.
- `RechercheGeneration`: a row per write statement on them; its largest id keys the national
  slices, so none outlives a write.
- `RechercheNationale`: the national slice of a filter set (how many national dispositifs pass it,
  their facettes, the first 200 of their ids in title order), for the generation and day it was
  counted: the search statement reads it by its key, merges it into its own count and facettes and
  takes a page's national results from its ids; a search that finds none counts it and writes it
  (`recherche.national_slice`). Shared by every worker, in the database.

The filter columns are declared in `dispositifs/filters.py` and added to the models below, so
`makemigrations` writes the migration of a new filter. The triggers are `dispositifs/sql/recherche.sql`
filled with the same declaration and re-applied after every migrate (`apply`, from apps.py); when
what they compute changed, every row is computed again.
"""

import hashlib
from contextlib import contextmanager
from pathlib import Path

from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex, OpClass
from django.db import connection, models, transaction

from .filters import keyed_filters, side_columns

SQL_FILE = Path(__file__).with_name("sql") / "recherche.sql"


class _SideRow(models.Model):
    class Meta:
        abstract = True

    def __str__(self):
        return f"{self._meta.db_table} {self.pk}"


def cles(column: str) -> OpClass:
    """`recherche_cles(column)` in the KNN index: the hashed elements of an array column (migrations 0008
    and 0011: an empty array gives the element "", every row the sentinel 0, an array longer than the
    index holds the wildcard 1 that every search also asks for)."""
    return OpClass(models.Func(models.F(column), function="recherche_cles",
                               output_field=ArrayField(models.IntegerField())), name="gist__int_ops")


def proximite_index() -> GistIndex:
    """The lieux' KNN index: the point, then the key of each keyed filter (filters.keyed_filters), so a
    walk for a theme skips the other lieux inside the index instead of reading each row."""
    return GistIndex(models.F("point"), *[cles(f.key) for f in keyed_filters()], name="recherche_lieu_proximite")


class RechercheLieu(_SideRow):
    lieu_id = models.BigIntegerField(primary_key=True)
    dispositif_id = models.BigIntegerField()
    point = gis.PointField(srid=4326, geography=True, spatial_index=False)   # in proximite_index()
    national = models.BooleanField()
    end_date = models.DateField(null=True)

    class Meta:
        db_table = "dispositifs_recherche_lieu"
        indexes = [proximite_index(), models.Index(fields=["dispositif_id"], name="recherche_lieu_dispositif")]


class RechercheCouverture(_SideRow):
    pk = models.CompositePrimaryKey("dispositif_id", "code")
    dispositif_id = models.BigIntegerField()
    code = models.CharField(max_length=12)
    level = models.SmallIntegerField()   # index in querysets.PORTEES: 1 commune … 4 national
    title = models.CharField(max_length=300)
    national = models.BooleanField()
    end_date = models.DateField(null=True)

    class Meta:
        db_table = "dispositifs_recherche_couverture"
        # The columns a search reads ride in the index: a coverage range and the national slice are
        # index-only scans (measured on the bench data: local statement p50 -0.8 ms, p95 -5 ms).
        indexes = [models.Index(fields=["code", "title", "dispositif_id"], name="recherche_couverture_code",
                                include=["level", "national", "end_date", *[c.name for c in side_columns()]])]


class RechercheGeneration(_SideRow):
    id = models.BigAutoField(primary_key=True)

    class Meta:
        db_table = "dispositifs_recherche_generation"


class RechercheNationale(_SideRow):
    cle = models.CharField(max_length=40, primary_key=True)   # sha1 of the filter values (recherche.national_key)
    jour = models.DateField()              # `end_date` is compared with the day: a slice counts for its day only
    generation = models.BigIntegerField()  # RechercheGeneration's max(id) when it was counted
    total = models.IntegerField()
    facettes = models.JSONField()          # {theme slug: national dispositifs}
    premiers = ArrayField(models.BigIntegerField(), default=list)   # the first ids, in title order

    class Meta:
        db_table = "dispositifs_recherche_nationale"


for _model in (RechercheLieu, RechercheCouverture):
    for _column in side_columns():
        _model.add_to_class(_column.name, _column.field())

# (source table, its trigger function in recherche.sql)
_SOURCES = [
    ("dispositifs_dispositif", "recherche_on_dispositif"),
    ("dispositifs_lieu", "recherche_on_lieu"),
    ("dispositifs_dispositif_themes", "recherche_on_themes"),
    ("dispositifs_dispositif_communes", "recherche_on_couverture"),
    ("dispositifs_dispositif_departements", "recherche_on_couverture"),
    ("dispositifs_dispositif_regions", "recherche_on_couverture"),
]


def _triggers() -> list[str]:
    """One trigger per (table, event), statement-level with its transition tables, and on TRUNCATE."""
    out = []
    for table, function in _SOURCES:
        for event, referencing in (("INSERT", "NEW TABLE AS new_rows"),
                                   ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                   ("DELETE", "OLD TABLE AS old_rows")):
            name = f"{table}_{event.lower()}_recherche"
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table};\n"
                       f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();")
        name = f"{table}_truncate_recherche"
        out.append(f"DROP TRIGGER IF EXISTS {name} ON {table};\n"
                   f"CREATE TRIGGER {name} AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
                   f"EXECUTE FUNCTION recherche_on_truncate();")
    out.append("DROP TRIGGER IF EXISTS dispositifs_theme_update_recherche ON dispositifs_theme;\n"
               "CREATE TRIGGER dispositifs_theme_update_recherche AFTER UPDATE ON dispositifs_theme "
               "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
               "EXECUTE FUNCTION recherche_on_theme_parent();")
    return out


def trigger_names() -> list[tuple[str, str]]:
    """(table, trigger) of every trigger `apply` creates."""
    names = [(t, f"{t}_{e}_recherche") for t, _ in _SOURCES for e in ("insert", "update", "delete", "truncate")]
    return names + [("dispositifs_theme", "dispositifs_theme_update_recherche")]


def render_triggers() -> str:
    """recherche.sql with the declaration's columns (the markers sit inside EXECUTE '…' literals,
    hence the doubled quotes)."""
    columns = side_columns()
    themes = next(c for c in columns if c.name == "themes")
    fill = {
        "COLUMNS": ", ".join(c.name for c in columns),
        # a refresh rewrites only the rows that changed (ON CONFLICT .. DO UPDATE .. WHERE distinct)
        "SET": ", ".join(f"{c.name} = EXCLUDED.{c.name}" for c in columns),
        "OLD": ", ".join(f"t.{c.name}" for c in columns),
        "NEW": ", ".join(f"EXCLUDED.{c.name}" for c in columns),
        "SOURCES": ", ".join(c.source for c in columns).replace("'", "''"),
        "THEMES": themes.source.replace("'", "''"),
        "TRIGGERS": "\n".join(_triggers()),
    }
    sql = SQL_FILE.read_text(encoding="utf-8")
    for marker, value in fill.items():
        sql = sql.replace(f"@{marker}@", value)
    return sql


def render() -> str:
    """The trigger SQL, then the search's local statement as a function (same declaration)."""
    from .recherche_fonction import local_function, local_function_drop

    return render_triggers() + local_function_drop() + local_function()


def fingerprint() -> str:
    """Of what decides the rows (the trigger SQL): a change to the search function alone recomputes nothing."""
    return hashlib.sha256(render_triggers().encode()).hexdigest()[:16]


def apply(*, using=None, stdout=None) -> bool:
    """(Re)create the trigger functions and triggers; recompute every row when the rendered SQL
    changed since the last apply (its fingerprint is the side table's comment). Returns whether
    the rows were recomputed."""
    from django.db import connections

    conn = connections[using] if using else connection
    with conn.cursor() as cursor:
        cursor.execute("SELECT to_regclass('dispositifs_recherche_lieu') IS NOT NULL "
                       "AND to_regclass('dispositifs_recherche_couverture') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return False   # migrations not applied this far yet
        cursor.execute(render())
        for table in ("dispositifs_recherche_lieu", "dispositifs_recherche_couverture"):
            # Room on each page: a theme change updates rows in place (HOT) instead of in every index.
            cursor.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")
        cursor.execute("SELECT obj_description('dispositifs_recherche_lieu'::regclass, 'pg_class')")
        current = fingerprint()
        if cursor.fetchone()[0] == f"recherche {current}":
            return False
        cursor.execute("SELECT recherche_refresh_all()")
        cursor.execute(f"COMMENT ON TABLE dispositifs_recherche_lieu IS 'recherche {current}'")
    if stdout is not None:
        stdout.write("  recherche : tables annexes recalculées (déclaration des filtres modifiée)\n")
    return True


@contextmanager
def deferred():
    """For bulk writers (the import): inside the block the triggers only note which dispositifs
    changed; on leaving it, one set-based refresh of their side-table rows (then ANALYZE). Several
    COPYs of the same dispositifs (rows, lieux, themes, coverage) cost one pass instead of one each,
    and a fresh database gets statistics before anyone searches it. Inside an outer block it does
    nothing: the outer one refreshes once (an import written in batches)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT recherche_deferred()")
        if cursor.fetchone()[0]:
            yield
            return
        cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS recherche_pending (id bigint) ON COMMIT DROP")
        cursor.execute("SET LOCAL recherche.deferred = 'on'")
        yield
        cursor.execute("SET LOCAL recherche.deferred = 'off'")
        cursor.execute("SELECT recherche_flush()")


def note_changed(cursor, ids) -> None:
    """Inside `deferred()`: the dispositifs `ids` were written by statements that fired no trigger
    (the import's COPYs of new rows, imports/writer.py `_trusted`); the closing refresh covers them."""
    cursor.execute("INSERT INTO recherche_pending SELECT unnest(%s::bigint[])", [list(ids)])


def refresh_pending(cursor) -> None:
    """Inside `deferred()`: the rows of the dispositifs noted so far, now; the closing refresh then
    does only the rest. Two plain statements, so a writer can send them without waiting for them
    (the import refreshes a batch while it reads the next one)."""
    cursor.execute("SELECT recherche_refresh(ARRAY(SELECT DISTINCT id FROM recherche_pending))")
    cursor.execute("TRUNCATE recherche_pending")
