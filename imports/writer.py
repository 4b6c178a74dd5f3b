"""The bulk upsert of one import run, inside the caller's transaction.

New dispositifs are COPYed straight into their table (~70k rows/s, against ~2k/s for save() per
row), with ids taken from the sequence first, and so are their lieux and M2M rows (themes,
coverage). Changed ones go through a temporary table and one UPDATE .. FROM; their lieux and M2M
rows are staged and compared with the table in SQL, and only what differs is rewritten.
Unchanged ones (same content hash) are not touched.

Column lists come from the models, so a column added later with a default is filled with it.
"""

import hashlib
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import itemgetter

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import JSONField
from django.utils import timezone
from psycopg.types.json import Jsonb

from dispositifs import side_tables
from dispositifs.models import Dispositif, Lieu, Structure
from dispositifs.validation import structure_key as _structure_key
from dispositifs.vocabulaires import Statut
from territoires.text import fold

from .lieu_refs import hold_references, move_references
from .trusted import trusted_copies

BATCH_SIZE = 5000
structure_key = lru_cache(maxsize=65536)(_structure_key)  # a few structures repeated over many rows
DISPOSITIF = Dispositif._meta.db_table
LIEU = Lieu._meta.db_table


PHASES: dict[str, float] = defaultdict(float)  # seconds per write phase, for bench_import


@contextmanager
def phase(name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        PHASES[name] += time.perf_counter() - start


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0


def external_key(ext: str) -> str:
    return ("id:" + ext) if len(ext) <= 61 else "idh:" + hashlib.blake2b(ext.encode(), digest_size=20).hexdigest()


def import_key(cand) -> str:
    """External id when the file has one; else title + structure (its rows at several addresses are
    one dispositif with several lieux, `imports.lieux`); else title + place."""
    ext = cand.fields.get("external_id") or ""
    if ext:
        return external_key(ext)
    if cand.structure:
        parts = "\x1f".join([fold(cand.fields["title"]), fold(cand.structure["name"])])
        return "s:" + hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()
    return place_key(cand)


def place_key(cand) -> str:
    """Title + structure + place: a row of the same title and structure that says something else
    (another phone, other themes...) is its own dispositif; and the key of imports made before
    title + structure was enough (matched by `upsert`, so they are not created twice)."""
    place = cand.lieux[0]["commune"].code if cand.lieux else "zone:" + ",".join(sorted(
        [*(f"r{c}" for c in cand.coverage.regions), *(f"d{c}" for c in cand.coverage.departements),
         *(f"c{c}" for c in cand.coverage.communes)] + (["national"] if cand.coverage.national else [])))
    parts = "\x1f".join([fold(cand.fields["title"]), fold((cand.structure or {}).get("name", "")), place])
    return "h:" + hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()


def content_hash(cand) -> str:
    """Everything the import writes for a dispositif, lieux included in any order. A single lieu
    hashes as it did before dispositifs could have several, so earlier imports stay `unchanged`."""
    lieux = [(lieu["name"], lieu["address"], lieu["postal_code"], lieu["commune"].code, round(lieu["lon"], 6),
              round(lieu["lat"], 6), lieu["precision"], lieu["accessibility"], lieu["opening_hours"])
             for lieu in cand.lieux]
    payload = (
        tuple(cand.fields.values()),  # built in a fixed order by normalise_row
        sorted(cand.themes),
        (cand.structure or {}).get("siret", ""), structure_key((cand.structure or {}).get("name", "")),
        str((cand.structure or {}).get("kind", "")),  # an enum default and a parsed string must hash alike
        (lieux[0] if len(lieux) == 1 else tuple(sorted(lieux))) if lieux else None,
        cand.coverage.national, sorted(cand.coverage.regions), sorted(cand.coverage.departements),
        sorted(cand.coverage.communes),
    )
    # repr() of ordered tuples is deterministic across runs and ~3x faster than json.dumps here.
    return hashlib.blake2b(repr(payload).encode(), digest_size=24).hexdigest()


@cache
def _columns(model, skip=("id",)) -> tuple:
    return tuple(f for f in model._meta.concrete_fields if f.column not in skip)


@dataclass(frozen=True)
class _Plan:
    """How a dict of values becomes one COPY row of `_columns(model, skip)`: defaults merged in,
    then one C-level item getter; only array and JSON columns are converted in Python."""

    defaults: dict
    getter: itemgetter
    arrays: tuple[int, ...]
    jsons: tuple[int, ...]


@cache
def _plan(model, skip=("id",)) -> _Plan:
    fields = _columns(model, skip)
    return _Plan(defaults={f.attname: f.get_default() for f in fields},
                 getter=itemgetter(*(f.attname for f in fields)),
                 arrays=tuple(i for i, f in enumerate(fields) if isinstance(f, ArrayField)),
                 jsons=tuple(i for i, f in enumerate(fields) if isinstance(f, JSONField)))


def _array(values) -> str:
    """A text array literal: COPY hands it to the column's own array input, much cheaper than
    adapting a Python list per row (psycopg's list dumper is pure Python)."""
    if not values:
        return "{}"
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _row(plan: _Plan, values: dict) -> list:
    """One COPY row: the given values, else each field's default."""
    row = list(plan.getter({**plan.defaults, **values}))
    for i in plan.arrays:
        if row[i] is not None:
            row[i] = _array(row[i])
    for i in plan.jsons:
        if row[i] is not None:
            row[i] = Jsonb(row[i])
    return row


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def resolve_structures(candidates) -> int:
    """Set `structure_id` on every candidate: matched by SIRET, else folded name + commune; the
    missing ones are created in bulk. Returns the number created."""
    by_siret, by_name = {}, {}
    for sid, siret, key, commune in Structure.objects.values_list("id", "siret", "name_key", "commune_id"):
        if siret:
            by_siret[siret] = sid
        by_name.setdefault((key, commune), sid)
        by_name.setdefault((key, None), sid)
    new: dict[tuple, Structure] = {}
    pending = []
    for cand in candidates:
        s = cand.structure
        if not s:
            cand.structure_id = None
            continue
        key = structure_key(s["name"])
        sid = (by_siret.get(s["siret"]) if s["siret"] else None) or by_name.get((key, s["commune"]))
        if sid is None and not s["commune"]:
            sid = by_name.get((key, None))
        if sid is not None:
            cand.structure_id = sid
            continue
        ident = ("siret", s["siret"]) if s["siret"] else ("name", key, s["commune"])
        if ident not in new:
            new[ident] = Structure(name=s["name"], name_key=key, kind=s["kind"], siret=s["siret"],
                                   commune_id=s["commune"])
        pending.append((cand, ident))
    if new:
        _create_structures(list(new.values()))
    for cand, ident in pending:
        cand.structure_id = new[ident].pk
    return len(new)


def _create_structures(structures: list[Structure]) -> None:
    """COPY the new structures, then read their ids back by (siret or name key, commune)."""
    now = timezone.now()
    scols, plan = _columns(Structure), _plan(Structure)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {Structure._meta.db_table}")
        floor = cursor.fetchone()[0]
        _copy(cursor, Structure._meta.db_table, [f.column for f in scols],
              (_row(plan, {"name": s.name, "name_key": s.name_key, "kind": s.kind, "siret": s.siret,
                           "commune_id": s.commune_id, "created_at": now, "updated_at": now}) for s in structures))
        cursor.execute(f"SELECT id, siret, name_key, commune_id FROM {Structure._meta.db_table} WHERE id > %s",
                       [floor])
        ids = {}
        for sid, siret, key, commune in cursor.fetchall():
            ids[("siret", siret) if siret else ("name", key, commune)] = sid
    for s in structures:
        s.pk = ids[("siret", s.siret) if s.siret else ("name", s.name_key, s.commune_id)]


def dispositif_values(cand, *, source: str, now) -> dict:
    f = cand.fields
    return {**f, "structure_id": cand.structure_id, "national": cand.coverage.national, "status": Statut.PUBLIE,
            "source": source, "import_key": cand.import_key, "content_hash": cand.content_hash,
            "created_at": now, "updated_at": now}


def write_batch(cursor, batch, *, source: str, existing: dict, now) -> None:
    """Write one batch of new or changed candidates and their children; ids set on the candidates."""
    dcols = _columns(Dispositif)
    creates = [c for c in batch if c.import_key not in existing]
    updates = [c for c in batch if c.import_key in existing]
    if updates:
        for c in updates:
            c.pk = existing[c.import_key][0]
        cursor.execute(f"DROP TABLE IF EXISTS stage_dispositif; "
                       f"CREATE TEMP TABLE stage_dispositif (LIKE {DISPOSITIF}) ON COMMIT DROP")
        plan = _plan(Dispositif, ())
        _copy(cursor, "stage_dispositif", [f.column for f in _columns(Dispositif, ())],
              (_row(plan, {"id": c.pk, **dispositif_values(c, source=source, now=now)}) for c in updates))
        assignments = ", ".join(f"{f.column} = s.{f.column}" for f in dcols if f.column != "created_at")
        cursor.execute(f"UPDATE {DISPOSITIF} d SET {assignments} FROM stage_dispositif s WHERE d.id = s.id")
        with phase("children diff"):
            _replace_children(cursor, updates)
    if creates:
        _write_new(cursor, creates, source=source, now=now)


def _write_new(cursor, creates, *, source: str, now) -> None:
    """New dispositifs and their children, COPYed straight into their tables, their foreign keys
    checked once per referenced row (imports.trusted)."""
    # Ids taken from the table's sequence first, so the COPY carries them and nothing is read back.
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{DISPOSITIF}', 'id')) FROM generate_series(1, %s)",
                   [len(creates)])
    for c, (pk,) in zip(creates, cursor.fetchall(), strict=True):
        c.pk = pk
    plan = _plan(Dispositif, ())
    tables = [DISPOSITIF, LIEU, *(_m2m(field)[0] for field, _ in _M2M)]
    new = (DISPOSITIF, "id", {c.pk for c in creates})
    with phase("new rows"), trusted_copies(cursor, _copy, tables=tables, new=new) as copy:
        with phase("copy dispositifs"):
            copy(cursor, DISPOSITIF, [f.column for f in _columns(Dispositif, ())],
                 (_row(plan, {"id": c.pk, **dispositif_values(c, source=source, now=now)}) for c in creates))
        with phase("rows lieux"):
            lieux = _lieu_rows(creates)
        if lieux:
            with phase("copy lieux"):
                copy(cursor, LIEU, [f.column for f in _columns(Lieu)], lieux)
        for field, values in _M2M:
            table, column, target = _m2m(field)
            rows = [(c.pk, v) for c in creates for v in values(c)]
            if rows:
                with phase(f"copy {field}"):
                    copy(cursor, table, [column, target], rows)


def _lieu_rows(batch) -> list:
    """COPY rows of the batch's lieux (built before the COPY: measured faster than a generator)."""
    plan = _plan(Lieu)
    return [_row(plan, {
        "dispositif_id": c.pk, "name": lieu["name"], "address": lieu["address"],
        "postal_code": lieu["postal_code"], "commune_id": lieu["commune"].code,
        "point": f"SRID=4326;POINT({lieu['lon']} {lieu['lat']})", "precision": lieu["precision"],
        "accessibility": lieu["accessibility"], "opening_hours": lieu["opening_hours"]})
        for c in batch for lieu in c.lieux]


_M2M = (("themes", lambda c: c.themes), ("regions", lambda c: c.coverage.regions),
        ("departements", lambda c: c.coverage.departements), ("communes", lambda c: c.coverage.communes))


def _m2m(field: str) -> tuple[str, str, str]:
    """(through table, its dispositif column, its target column) of a many-to-many field."""
    m2m = getattr(Dispositif, field).field
    return m2m.remote_field.through._meta.db_table, m2m.m2m_column_name(), m2m.m2m_reverse_name()


def _replace_children(cursor, batch) -> None:
    """The lieux and M2M rows of updated dispositifs, staged and compared in SQL: only what differs
    is deleted and inserted. An update that leaves them alone (a new phone number) then costs no
    index or GiST work and no foreign-key check, and an unchanged lieu keeps its id (a temporary
    closure points at it). The lieux of a dispositif are replaced together when any of them
    differs (compared as a multiset of whole rows, the point as its exact EWKB)."""
    ids = [c.pk for c in batch]
    cols = [f.column for f in _columns(Lieu)]
    grouped = ", ".join(c if c != "point" else "point::bytea AS point" for c in cols)  # exact, not the bbox
    by = ", ".join(str(n) for n in range(1, len(cols) + 1))
    cursor.execute(f"DROP TABLE IF EXISTS stage_lieu; CREATE TEMP TABLE stage_lieu ON COMMIT DROP AS "
                   f"SELECT {', '.join(cols)} FROM {LIEU} WITH NO DATA")
    _copy(cursor, "stage_lieu", cols, _lieu_rows(batch))
    # Dispositifs whose multiset of lieux changed: a whole row counted on one side and not the other.
    cursor.execute(f"""
        CREATE TEMP TABLE stage_lieu_changed ON COMMIT DROP AS
        SELECT DISTINCT coalesce(o.dispositif_id, n.dispositif_id) AS id
        FROM (SELECT {grouped}, count(*) AS k FROM {LIEU} WHERE dispositif_id = ANY(%s) GROUP BY {by}) o
        FULL JOIN (SELECT {grouped}, count(*) AS k FROM stage_lieu GROUP BY {by}) n
            ON {' AND '.join(f"o.{c} = n.{c}" for c in cols)} AND o.k = n.k
        WHERE o.dispositif_id IS NULL OR n.dispositif_id IS NULL""", [ids])
    held = hold_references(cursor)
    cursor.execute(f"DELETE FROM {LIEU} WHERE dispositif_id IN (SELECT id FROM stage_lieu_changed)")
    cursor.execute(f"INSERT INTO {LIEU} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM stage_lieu "
                   f"WHERE dispositif_id IN (SELECT id FROM stage_lieu_changed)")
    move_references(cursor, held)
    cursor.execute("DROP TABLE stage_lieu, stage_lieu_changed")
    # M2M rows are sets (one row per dispositif and target): delete the missing, insert the new.
    cursor.execute("DROP TABLE IF EXISTS stage_m2m; "
                   "CREATE TEMP TABLE stage_m2m (field text, dispositif_id bigint, target text) ON COMMIT DROP")
    _copy(cursor, "stage_m2m", ["field", "dispositif_id", "target"],
          ((field, c.pk, v) for field, values in _M2M for c in batch for v in values(c)))
    for field, _ in _M2M:
        table, column, target = _m2m(field)
        cursor.execute(f"DELETE FROM {table} t WHERE t.{column} = ANY(%s) AND NOT EXISTS (SELECT 1 FROM stage_m2m s "
                       f"WHERE s.field = %s AND s.dispositif_id = t.{column} AND s.target = t.{target})",
                       [ids, field])
        cursor.execute(f"INSERT INTO {table} ({column}, {target}) SELECT s.dispositif_id, s.target FROM stage_m2m s "
                       f"WHERE s.field = %s AND NOT EXISTS (SELECT 1 FROM {table} t "
                       f"WHERE t.{column} = s.dispositif_id AND t.{target} = s.target)", [field])
    cursor.execute("DROP TABLE stage_m2m")


def _existing(source: str, keys: set) -> dict:
    """{import key: (id, content hash, status)} of the source's dispositifs among `keys` (a batch's:
    not the whole source again for every batch)."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT import_key, id, content_hash, status FROM {DISPOSITIF} "
                       "WHERE source = %s AND import_key = ANY(%s)", [source, list(keys)])
        return {key: (pk, chash, status) for key, pk, chash, status in cursor.fetchall()}


def upsert(candidates, *, source: str, archive_missing: bool, present_keys: set, progress=None) -> WriteResult:
    """Create, update or leave each candidate; optionally archive the source's absent dispositifs."""
    result = WriteResult()
    now = timezone.now()
    existing = _existing(source, {c.import_key for c in candidates})
    legacy = {c.import_key: place_key(c) for c in candidates  # imported when the key held the place
              if c.import_key.startswith("s:") and c.import_key not in existing}
    existing.update(_existing(source, set(legacy.values())))
    todo, legacy_present = [], set()
    for cand in candidates:  # counted in rows: a dispositif given on several rows (one per lieu) counts each
        old = existing.get(cand.import_key)
        if old is None and cand.import_key in legacy:  # the same dispositif
            old = existing.get(legacy[cand.import_key])
            if old is not None:
                existing[cand.import_key] = old
                legacy_present.add(legacy[cand.import_key])
        if old is None:
            result.created += cand.rows
            todo.append(cand)
        elif old[1] != cand.content_hash or old[2] != Statut.PUBLIE:
            result.updated += cand.rows
            todo.append(cand)
        else:
            result.unchanged += cand.rows
    with phase("structures"):
        resolve_structures(todo)
    # The search's side tables: one set-based refresh after all the COPYs, not one per statement
    # (dispositifs.side_tables.deferred, docs/ARCHITECTURE.md "Side tables").
    with side_tables.deferred(), connection.cursor() as cursor:
        for start in range(0, len(todo), BATCH_SIZE):
            batch = todo[start:start + BATCH_SIZE]
            write_batch(cursor, batch, source=source, existing=existing, now=now)
            if progress:
                progress(len(batch))
        if archive_missing:
            cursor.execute(f"UPDATE {DISPOSITIF} SET status = %s, updated_at = %s WHERE source = %s "
                           f"AND status <> %s AND NOT (import_key = ANY(%s))",
                           [Statut.ARCHIVE, now, source, Statut.ARCHIVE, list(set(present_keys) | legacy_present)])
            result.archived = cursor.rowcount
    return result
