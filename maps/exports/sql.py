"""CSV and GeoJSON exports written by PostgreSQL itself: `COPY (SELECT …) TO STDOUT`, read in
chunks through psycopg 3 (`cursor.copy`), so a national export runs at disk speed with flat memory.

The statement yields the same cells as `rows.py` (which stays the reference, and the path of the
XLSX and data·inclusion writers; tests/test_exports_sql.py checks both agree cell by cell): the
importer's headers, labels in French, the coverage as "National" / "Région …" / "Département …" /
INSEE codes, coordinates left blank for a commune-centre point, and the formula guard (a text cell
starting with = + - @ tab or CR gets a leading '). Relations are aggregated once per table and
joined, and a dispositif's cells are computed once, not once per lieu.

Why raw SQL: the ORM cannot express COPY, and the per-row Python of `rows.py` is what held a
national export to 5,000-12,000 rows/s (docs/ARCHITECTURE.md, "Scaling").
"""

import csv
import io
import json
from collections.abc import Iterator
from itertools import pairwise

from django.utils import translation

from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public, StatutProtection, TypeStructure

from ..stats import pairs_sql
from .copy import WHOLE, Part, run_copy
from .rows import COLUMNS, FORMULA_PREFIXES
from .scope import Scope

# rows.FORMULA_PREFIXES as SQL literals (tab and carriage return as escapes).
PREFIXES_SQL = "'=', '+', '-', '@', E'\\t', E'\\r'"
assert FORMULA_PREFIXES == ("=", "+", "-", "@", "\t", "\r"), "keep PREFIXES_SQL in step with rows.py"


def _labels() -> dict[str, str]:
    """Each vocabulary's French labels as JSON, bound as parameters (`_label` in rows.py)."""
    with translation.override("fr"):
        return {name: json.dumps({value: str(label) for value, label in vocabulary.choices})
                for name, vocabulary in (("publics", Public), ("statuts", StatutProtection),
                                         ("niveaux", NiveauFrancais), ("modalites", Modalite),
                                         ("kinds", TypeStructure))}


def _label(param: str, value: str) -> str:
    return f"coalesce(%({param})s::jsonb ->> {value}, {value})"


def _labels_of(param: str, array: str, sep: str) -> str:
    """An array column as its labels joined in the array's order (unknown values as they are)."""
    return (f"(SELECT string_agg({_label(param, 'v')}, '{sep}' ORDER BY i) "
            f"FROM unnest({array}) WITH ORDINALITY AS a(v, i))")


def _date(expression: str) -> str:
    return f"to_char({expression}, 'DD/MM/YYYY')"


def _text(name: str) -> str:
    return f"((r.{name})::float8::text)"


# Each column of COLUMNS: (level, SQL). Level "d" is computed once per dispositif (aliases d0, d1…
# over d, s, themes and zone), "l" once per row (over l and c; NULL when the dispositif has no lieu).
# `None` marks the three non-text columns handled per format (ages, coordinates).
CELLS = {
    "Identifiant": ("d", "d.external_id"),
    "Intitulé": ("d", "d.title"),
    "Structure": ("d", "s.name"),
    "Type de structure": ("d", f"CASE WHEN s.id IS NOT NULL THEN {_label('kinds', 's.kind')} END"),
    "SIRET": ("d", "s.siret"),
    "Thématique": ("d", "themes.codes"),
    "Résumé": ("d", "d.summary"),
    "Description": ("d", "d.description"),
    "Public": ("d", "publics.text"),
    "Statut de protection": ("d", "statuts.text"),
    "Âge minimum": ("d", None),
    "Âge maximum": ("d", None),
    "Niveau de français": ("d", f"CASE WHEN d.french_level <> '' THEN {_label('niveaux', 'd.french_level')} END"),
    "Langues": ("d", "array_to_string(d.languages, ', ')"),
    "Gratuit": ("d", "CASE d.free WHEN true THEN 'Oui' WHEN false THEN 'Non' END"),
    "Tarif": ("d", "d.price"),
    "Modalité": ("d", f"CASE WHEN d.modality <> '' THEN {_label('modalites', 'd.modality')} END"),
    "Inscription": ("d", "d.registration"),
    "Téléphone": ("d", "d.phone"),
    "Courriel": ("d", "d.email"),
    "Site": ("d", "d.website"),
    "Date de début": ("d", _date("d.start_date")),
    "Date de fin": ("d", _date("d.end_date")),
    "Zone d'intervention": ("d", "CASE WHEN d.national THEN 'National' ELSE zone.text END"),
    "Nom du lieu": ("l", "l.name"),
    "Adresse": ("l", "l.address"),
    "Code postal": ("l", "l.postal_code"),
    "Commune": ("l", "l.commune_nom"),
    "Code INSEE": ("l", "l.commune_id"),
    "Latitude": ("l", None),
    "Longitude": ("l", None),
    "Précision": ("l", "l.precision"),
    "Accessibilité": ("l", "l.accessibility"),
    "Horaires": ("l", "l.opening_hours"),
    "Source": ("d", "d.source"),
    "Date de vérification": ("d", _date("d.last_verified")),
    "Modifié le": ("d", "to_char((d.updated_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')"),
}
assert list(CELLS) == COLUMNS, "one cell per export column, in the same order"

# The scope's dispositif ids; the themes and coverage of those only; one row per dispositif with its
# cells; then one row per lieu (LEFT JOIN: a dispositif without lieu gives one row).
STATEMENT = """
WITH ids AS MATERIALIZED (SELECT d.id, d.publics, d.protection_statuses FROM dispositifs_dispositif d WHERE {where}),
themes AS (
    SELECT dt.dispositif_id, string_agg(dt.theme_id, '; ' ORDER BY dt.theme_id COLLATE "C") AS codes
      FROM dispositifs_dispositif_themes dt JOIN ids ON ids.id = dt.dispositif_id GROUP BY 1),
-- An EPCI whose (two or more) communes are all covered is written as the EPCI (scope._attach_epcis).
covered_communes AS (
    SELECT dc.dispositif_id, dc.commune_id AS commune, c.epci_id AS epci
      FROM dispositifs_dispositif_communes dc JOIN ids ON ids.id = dc.dispositif_id
      JOIN territoires_commune c ON c.code = dc.commune_id),
whole_epcis AS (
    SELECT x.dispositif_id, x.epci FROM covered_communes x
      JOIN (SELECT epci_id, count(*) AS n FROM territoires_commune WHERE epci_id IS NOT NULL GROUP BY 1) sizes
        ON sizes.epci_id = x.epci
     GROUP BY x.dispositif_id, x.epci, sizes.n HAVING count(*) >= 2 AND count(*) = sizes.n),
zone AS (
    SELECT dispositif_id, string_agg(part, '; ' ORDER BY level, code COLLATE "C") AS text FROM (
        SELECT dr.dispositif_id, 1 AS level, r.code, 'Région ' || r.nom AS part
          FROM dispositifs_dispositif_regions dr JOIN territoires_region r ON r.code = dr.region_id
        UNION ALL
        SELECT dd.dispositif_id, 2, t.code, 'Département ' || t.nom
          FROM dispositifs_dispositif_departements dd JOIN territoires_departement t ON t.code = dd.departement_id
        UNION ALL
        SELECT dispositif_id, 3, epci, 'EPCI ' || epci FROM whole_epcis
        UNION ALL
        SELECT dispositif_id, 4, commune, commune FROM covered_communes x WHERE NOT EXISTS (
            SELECT 1 FROM whole_epcis w WHERE w.dispositif_id = x.dispositif_id AND w.epci = x.epci)
    ) AS parts JOIN ids ON ids.id = parts.dispositif_id GROUP BY 1),  -- a join: IN made a HashAggregate of ids first
-- Labels of each distinct list of publics / statuses (a few hundred), not of each dispositif's; the
-- lists are read from ids (an index probe per dispositif cost ~0.2 s each on a national export).
publics AS (SELECT a, {publics} AS text FROM (SELECT DISTINCT publics AS a FROM ids) AS x),
statuts AS (SELECT a, {statuts} AS text FROM (SELECT DISTINCT protection_statuses AS a FROM ids) AS x),
raw AS MATERIALIZED (
    SELECT d.id, d.age_min, d.age_max, {dispositif_values}
      FROM dispositifs_dispositif d JOIN ids ON ids.id = d.id
      LEFT JOIN dispositifs_structure s ON s.id = d.structure_id
      LEFT JOIN themes ON themes.dispositif_id = d.id
      LEFT JOIN zone ON zone.dispositif_id = d.id
      LEFT JOIN publics ON publics.a = d.publics
      LEFT JOIN statuts ON statuts.a = d.protection_statuses)
SELECT {select}
  -- The lieux in order (narrow rows), then the dispositifs' cells merged in by id: both sides are
  -- subqueries sorted by id, so the merge keeps the order and the wide rows are never sorted
  -- (sorting them spilled 170 MB to disk). OFFSET 0 keeps each side from being flattened, so a
  -- dispositif's cells are computed once, not once per lieu.
  FROM (SELECT ids.id AS did, l.id, l.name, l.address, l.postal_code, l.commune_id, c.nom AS commune_nom,
               l.precision, l.accessibility, l.opening_hours,
               -- As numeric(…, 6) prints (GeoJSON writes it so; CSV reads it back as float8).
               round(ST_X(l.point::geometry)::numeric, 6)::text AS lon,
               round(ST_Y(l.point::geometry)::numeric, 6)::text AS lat,
               l.precision = 'commune' AND abs(ST_X(l.point::geometry) - ST_X(c.centre)) < 1e-6
                                       AND abs(ST_Y(l.point::geometry) - ST_Y(c.centre)) < 1e-6 AS at_centre
          FROM ids LEFT JOIN dispositifs_lieu l ON l.dispositif_id = ids.id
          LEFT JOIN territoires_commune c ON c.code = l.commune_id
         ORDER BY ids.id, l.id OFFSET 0) AS l
  JOIN (SELECT id, age_min, age_max, {dispositif_cells} FROM raw ORDER BY id OFFSET 0) AS r ON r.id = l.did
 ORDER BY l.did, l.id
"""


def _where(scope: Scope, part: Part = WHOLE) -> str:
    """The scope's dispositifs, as scope.dispositifs_in selects them (%(code)s is bound), in the
    part's id range (%(after)s, %(upto)s)."""
    where = "d.status = 'publie'"
    if scope.kind in {"departement", "region"}:
        where += f" AND NOT d.national AND d.id IN (SELECT dispositif_id FROM ({pairs_sql(scope.kind)}) AS pairs)"
    if part.after is not None:
        where += " AND d.id > %(after)s"
    if part.upto is not None:
        where += " AND d.id <= %(upto)s"
    return where


def ranges(scope: Scope):
    """A function splitting the scope's ids in n ranges of about the same size (run_copy's `ranges`)."""
    def split(cursor, n: int) -> list[Part]:
        cursor.execute(f"SELECT percentile_disc(%(q)s::float8[]) WITHIN GROUP (ORDER BY d.id) "
                       f"FROM dispositifs_dispositif d WHERE {_where(scope)}",
                       {"q": [i / n for i in range(1, n)], "code": scope.code})
        bounds = [None, *sorted(set(b for b in cursor.fetchone()[0] or [] if b is not None)), None]
        return [Part(after=a, upto=b) for a, b in pairwise(bounds)]

    return split


def _raw_values() -> str:
    """The dispositif-level values, computed once per dispositif in `raw` (as x0, x1…)."""
    return ", ".join(f"{sql} AS x{i}" for i, (level, sql) in enumerate(CELLS.values()) if level == "d" and sql)


def _statement(scope: Scope, part: Part, r_columns: list[str], select: str) -> tuple[str, dict]:
    """The export statement: `r_columns` are computed once per dispositif from `raw` (whose x{i}
    may be repeated there at no cost), `select` once per output row."""
    sql = STATEMENT.format(where=_where(scope, part), dispositif_values=_raw_values(),
                           publics=_labels_of("publics", "a", "; "), statuts=_labels_of("statuts", "a", "; "),
                           dispositif_cells=", ".join(r_columns), select=select)
    return sql, {**_labels(), "code": scope.code, "after": part.after, "upto": part.upto}


def _escaped(sql: str) -> str:
    """rows.escape_formula in SQL; NULL for an empty cell (COPY writes NULL as an empty field)."""
    return f"(CASE WHEN left({sql}, 1) IN ({PREFIXES_SQL}) THEN '''' || {sql} ELSE NULLIF({sql}, '') END)"


def csv_statement(scope: Scope, part: Part = WHOLE) -> tuple[str, dict]:
    special = {
        "Âge minimum": "r.age_min", "Âge maximum": "r.age_max",
        # Blank for a commune-centre point (rows.lieu_fields); else str(round(x, 6)) as Python writes it.
        "Latitude": "CASE WHEN NOT l.at_centre THEN l.lat::float8::text END",
        "Longitude": "CASE WHEN NOT l.at_centre THEN l.lon::float8::text END",
    }
    r_columns, values = [], []
    for i, (name, (level, sql)) in enumerate(CELLS.items()):
        if sql is None:
            values.append(special[name])
        elif level == "d":
            r_columns.append(f"{_escaped(f'x{i}')} AS d{i}")
            values.append(f"r.d{i}")
        else:
            values.append(_escaped(sql))
    return _statement(scope, part, r_columns, ", ".join(values))


class Sql(str):
    """An SQL expression among the constant text of a JSON template (`_joined`): text, never NULL."""


def _string(sql: str) -> Sql:
    """A text value as a JSON string: PostgreSQL's to_json escapes it (quotes, backslashes, control
    characters); NULL and '' as "" without a call (most optional cells are empty, and to_json costs
    ~0.2 µs a value, ~30 values a row)."""
    return Sql(f"CASE WHEN {sql} <> '' THEN to_json({sql})::text ELSE '\"\"' END")


def _literal(text: str) -> str:
    # %% because psycopg reads the statement's own % as placeholders.
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _joined(pieces: list) -> str:
    """Constant text and `Sql` values as one text expression: adjacent constants merged, the rest
    joined by `||` as a balanced tree, so a piece is copied log2(n) times, not once per member that
    follows it (measured ~7 % of the statement against one format() call, which copies its
    template a byte at a time)."""
    merged: list[str] = []
    for piece in pieces:
        if merged and not isinstance(piece, Sql) and not isinstance(merged[-1], Sql):
            merged[-1] += piece
        else:
            merged.append(piece)

    def tree(part: list[str]) -> str:
        middle = len(part) // 2
        return part[0] if len(part) == 1 else f"({tree(part[:middle])} || {tree(part[middle:])})"
    return tree([f"({x})" if isinstance(x, Sql) else _literal(x) for x in merged])


def _members(pairs: list[tuple[str, list]]) -> list:
    """JSON object members `"k" : v, …` as template pieces (the separators of json_build_object,
    which the file has always had)."""
    pieces = []
    for i, (name, value) in enumerate(pairs):
        pieces += [(", " if i else "") + json.dumps(name, ensure_ascii=False) + " : ", *value]
    return pieces


# Values written without to_json: numbers, and text made only of digits, `/`, `-` or letters
# (to_char dates, Oui/Non), which JSON never escapes.
UNESCAPED = {"Gratuit", "Date de début", "Date de fin", "Date de vérification", "Modifié le"}
assert all(CELLS[name][1].startswith(("to_char(", "CASE d.free WHEN")) for name in UNESCAPED), \
    "only a date or Oui/Non may skip to_json"


def _geojson_value(i: int, name: str, level: str, sql: str | None, lieu: bool) -> list:
    """A member's value as template pieces; on a row without lieu (`lieu` false) the lieu's members
    are constants ("" and null)."""
    if level == "l" and not lieu:
        return ["null" if sql is None else '""']
    if name in {"Âge minimum", "Âge maximum"}:
        return [Sql(f"coalesce({'age_min' if name == 'Âge minimum' else 'age_max'}::text, '\"\"')")]
    if name in {"Latitude", "Longitude"}:
        return [Sql(f"l.{'lat' if name == 'Latitude' else 'lon'}")]
    source = f"x{i}" if level == "d" else sql
    if name in UNESCAPED:
        return ['"', Sql(f"coalesce({source}, '')"), '"']
    return [_string(source)]


def _feature(lieu: bool) -> tuple[list, list]:
    """The feature's template, for a row with a lieu or without (two branches of one CASE: no test per
    cell), and the runs of members; the dispositif-level runs are built once per dispositif in `r`
    (j0, j2) and only referenced here."""
    runs: list[tuple[str, list]] = []  # (level, [(name, pieces)]) in COLUMNS order
    for i, (name, (level, sql)) in enumerate(CELLS.items()):
        if not runs or runs[-1][0] != level:
            runs.append((level, []))
        runs[-1][1].append((name, _geojson_value(i, name, level, sql, lieu)))
    runs[-1][1].append(("id", [Sql("id::text")]))  # the last run is the dispositif's (Source, dates)
    properties = []
    for k, (level, pairs) in enumerate(runs):
        properties += [", " if k else "{", Sql(f"r.j{k}")] if level == "d" else [", ", *_members(pairs)]
    if lieu:
        head = [',{"type": "Feature", "id": "', Sql("r.id::text"), "-", Sql("l.id::text"),
                '", "geometry": {"type": "Point", "coordinates": [', Sql("l.lon"), ", ", Sql("l.lat"), "]}"]
    else:
        head = [',{"type": "Feature", "id": "', Sql("r.id::text"), '", "geometry": null']
    return [*head, ', "properties": ', *properties, "}}"], runs


def geojson_statement(scope: Scope, part: Part = WHOLE) -> tuple[str, dict]:
    """One Feature per row as JSON text, the properties as geojson.py writes them, in COLUMNS order
    then `id` (not escaped: GeoJSON is not opened by a spreadsheet); a comma before every feature
    (geojson_chunks drops the very first: a window function to spare it cost ~5 % of the statement)."""
    with_lieu, runs = _feature(lieu=True)
    without_lieu, _ = _feature(lieu=False)
    r_columns = [f"{_joined(_members(pairs))} AS j{k}" for k, (level, pairs) in enumerate(runs) if level == "d"]
    select = f"CASE WHEN l.id IS NULL THEN {_joined(without_lieu)} ELSE {_joined(with_lieu)} END"
    return _statement(scope, part, r_columns, select)


def csv_chunks(scope: Scope, counter: list | None = None, *, parallel: int = 1) -> Iterator[bytes]:
    """The CSV export as bytes: UTF-8 with BOM, `;`, the importer's headers, lines ending in LF
    (COPY cannot write CRLF; every CSV reader, Excel included, reads both)."""
    header = io.StringIO()
    csv.writer(header, delimiter=";", lineterminator="\n").writerow(COLUMNS)
    yield ("\ufeff" + header.getvalue()).encode()
    yield from run_copy(lambda part: csv_statement(scope, part), "FORMAT csv, DELIMITER ';'",
                        counter if counter is not None else [0], ranges=ranges(scope), parallel=parallel)


def geojson_chunks(scope: Scope, metadata: dict, counter: list | None = None, *,
                   parallel: int = 1) -> Iterator[bytes]:
    """The GeoJSON FeatureCollection as bytes, with its top-level `metadata` member."""
    yield ('{"type": "FeatureCollection", "metadata": ' + json.dumps(metadata, ensure_ascii=False)
           + ', "features": [\n').encode()
    # CSV with a quote and a delimiter that JSON text never holds raw (PostgreSQL escapes control
    # characters in JSON strings): each line is the feature exactly, nothing quoted or doubled.
    options = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01'"
    first = True
    for block in run_copy(lambda part: geojson_statement(scope, part), options,
                          counter if counter is not None else [0], ranges=ranges(scope), parallel=parallel):
        if first and block:
            block, first = block[1:], False  # the comma before the first feature
        yield block
    yield b"]}\n"
