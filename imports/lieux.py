"""Several lieux for one dispositif: rows that share an identifiant (or, without one, the same
title and structure) are one dispositif.

Spreadsheets (and our own CSV/XLSX exports) list a dispositif once per lieu, repeating its
identifiant and its other columns. The first row gives the dispositif; each later row adds its lieu
(the same lieu twice is kept once) as long as every dispositif column says the same thing, compared
after normalisation so "Oui" and "Gratuit" agree. A row that says something else is rejected: the
importer cannot guess which row is right.
"""

from territoires.text import fold

from .readers import cell_text
from .report import ERROR, Problem
from .writer import structure_key

# dispositif field -> the columns it may come from, for the report
_SOURCES = {"price": ("price", "free"), "age_min": ("age_min", "age"), "age_max": ("age_max", "age"),
            "structure": ("structure", "siret", "structure_kind"), "coverage": ("zone",)}


def lieu_key(lieu: dict) -> tuple:
    """Two rows name the same lieu when commune, address and point are the same."""
    return lieu["commune"].code, fold(lieu["address"]), round(lieu["lon"], 6), round(lieu["lat"], 6)


def _structure(cand) -> tuple | None:
    s = cand.structure
    return None if s is None else (structure_key(s["name"]), s["siret"], str(s["kind"]))


def differences(first, cand) -> list[str]:
    """The dispositif fields on which `cand` disagrees with `first` (empty: same dispositif)."""
    diff = [name for name, value in cand.fields.items() if first.fields.get(name) != value]
    if set(first.themes) != set(cand.themes):
        diff.append("themes")
    if _structure(first) != _structure(cand):
        diff.append("structure")
    if first.coverage != cand.coverage:
        diff.append("coverage")
    return diff


def _column(name: str, colmap) -> str:
    """The file's column a field was read from (the first one present), else the field itself."""
    sources = _SOURCES.get(name, (name,))
    return next((c for c in sources if c in colmap.fields), sources[0])


def join_target(cand, seen: dict, place_key):
    """The earlier candidate this row joins, if any. Rows without identifiant join on title +
    structure only when every dispositif column agrees; one that says something else gets the
    title + structure + place key (`place_key`) and is its own dispositif."""
    first = seen.get(cand.import_key)
    if first is None or isinstance(first, int) or cand.fields.get("external_id") or not cand.structure:
        return first
    if differences(first, cand):
        cand.import_key = place_key(cand)
        # the same title, structure and commune saying something else: a duplicate (rejected by merge)
        return seen.get(cand.import_key) or (first if place_key(first) == cand.import_key else None)
    return first


def merge(first, cand, *, colmap, row) -> Problem | None:
    """Add the lieux of `cand` (a later row with the same identifiant) to `first`; or, when a
    dispositif column differs, leave `first` alone and return the error that rejects the row."""
    diff = differences(first, cand)
    if diff and not cand.fields.get("external_id"):
        return Problem(cand.line, colmap.label("title"), cand.fields["title"],
                       f"doublon de la ligne {first.line} (même intitulé, structure et lieu) : ligne ignorée", ERROR,
                       "doublon")
    if diff:
        columns = sorted(dict.fromkeys(_column(name, colmap) for name in diff),  # in the file's column order
                         key=lambda c: colmap.fields.get(c, len(colmap.headers)))
        labels = ", ".join(f"« {colmap.label(c)} »" for c in columns)
        idx = colmap.fields.get(columns[0])
        value = cell_text(row[idx]) if idx is not None and idx < len(row) else ""
        return Problem(cand.line, colmap.label(columns[0]), value,
                       f"même identifiant que la ligne {first.line} mais valeur différente pour {labels} : "
                       "ligne ignorée (d'une ligne à l'autre d'un même dispositif, seules les colonnes du lieu "
                       "peuvent changer)", ERROR)
    known = {lieu_key(lieu) for lieu in first.lieux}
    if not cand.fields.get("external_id") and all(lieu_key(lieu) in known for lieu in cand.lieux):
        return Problem(cand.line, colmap.label("title"), cand.fields["title"],
                       f"doublon de la ligne {first.line} (même intitulé, structure et lieu) : ligne ignorée", ERROR,
                       "doublon")
    for lieu in cand.lieux:
        if lieu_key(lieu) not in known:
            first.lieux.append(lieu)
            known.add(lieu_key(lieu))
    first.rows += 1
    return None
