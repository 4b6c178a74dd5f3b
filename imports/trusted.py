"""The COPYs of new rows, with their foreign keys checked once per referenced row instead of once
per row.

A first import of 50,000 rows queued ~350,000 foreign-key checks (each row's structure,
dispositif, commune, theme, coverage), run one at a time at the commit: 1.6-2 s, as long as the
COPYs themselves (bench_import). Inside `trusted_copies` the COPYs run with
`session_replication_role = replica`, so no trigger fires on them, and the writer does what those
triggers would have done, set-based: every distinct key the new rows reference is locked FOR KEY
SHARE, as the foreign-key check locks it (nobody can delete it before the commit), and one that is
missing fails the import with IntegrityError (nothing is written); the new dispositifs are noted
for the search's side-table refresh (`side_tables.note_changed`).

Every other statement keeps its checks: other writers, this run's updates and deletes (whose ON
DELETE actions must fire). And the COPYs keep them too when the role may not be set (neither
superuser nor `GRANT SET ON PARAMETER session_replication_role TO <user>`), when no side-table
refresh is pending, or when a table has a foreign key over several columns or a trigger this
module does not know (one added later runs as before, never skipped in silence).
"""

from contextlib import contextmanager
from operator import itemgetter

from django.db import IntegrityError, connection

from dispositifs import side_tables

_FOREIGN_KEYS = """
    SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, cardinality(c.conkey),
           a.attname, fa.attname
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
    WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)"""


def _plan(cursor, tables: list[str]) -> dict | None:
    """{table: {column: (referenced table, referenced column)}} when the COPYs into `tables` may run
    without triggers, else None."""
    may_set = ("has_parameter_privilege('session_replication_role', 'SET')" if connection.pg_version >= 150000
               else "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")  # GRANT SET: PostgreSQL 15
    cursor.execute(f"SELECT {may_set}, recherche_deferred()")
    allowed, deferred = cursor.fetchone()
    if not (allowed and deferred):
        return None
    known = {name for _, name in side_tables.trigger_names()}
    cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text = ANY(%s)",
                   [tables])
    if any(name not in known for (name,) in cursor.fetchall()):
        return None
    cursor.execute(_FOREIGN_KEYS, [tables])
    keys: dict = {table: {} for table in tables}
    for table, target, width, column, target_column in cursor.fetchall():
        if width != 1:
            return None
        keys[table][column] = (target, target_column)
    return keys


class _Copies:
    """`copy(cursor, table, columns, rows)` that notes every key the rows reference."""

    def __init__(self, write, plan):
        self.write, self.plan = write, plan
        self.references: dict[tuple[str, str], set] = {}

    def __call__(self, cursor, table: str, columns: list[str], rows) -> None:
        if self.plan is not None:
            rows = rows if isinstance(rows, list) else list(rows)
            for i, column in enumerate(columns):
                if column in self.plan[table]:
                    self.references.setdefault(self.plan[table][column], set()).update(map(itemgetter(i), rows))
        self.write(cursor, table, columns, rows)


@contextmanager
def trusted_copies(cursor, write, *, tables: list[str], new: tuple[str, str, set]):
    """Yields a `copy(cursor, table, columns, rows)` for new rows of `tables`; `write` does the COPY.
    `new` is (table, column, keys) of the rows created just before in this transaction (the new
    dispositifs: their children need no lock on them), noted for the side-table refresh."""
    plan = _plan(cursor, tables)
    copies = _Copies(write, plan)
    if plan is None:
        yield copies
        return
    cursor.execute("SELECT current_setting('session_replication_role')")
    role = cursor.fetchone()[0]
    cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield copies
    finally:
        cursor.execute("SELECT set_config('session_replication_role', %s, true)", [role])
    new_table, new_column, new_keys = new
    for (table, column), keys in copies.references.items():
        keys.discard(None)
        if (table, column) == (new_table, new_column) and keys <= new_keys:
            continue
        _lock(cursor, table, column, keys)
    side_tables.note_changed(cursor, new_keys)


def _lock(cursor, table: str, column: str, keys: set) -> None:
    """What the foreign-key checks do, once per key: lock the referenced rows; all must exist."""
    if not keys:
        return
    cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s) FOR KEY SHARE", [list(keys)])
    found = {key for (key,) in cursor.fetchall()}
    missing = sorted(map(str, keys - found))
    if missing:
        raise IntegrityError(f"{table}.{column} : {len(missing)} valeur(s) référencée(s) absente(s) "
                             f"({', '.join(missing[:5])}) ; rien n'a été écrit")
