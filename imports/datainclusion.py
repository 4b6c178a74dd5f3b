"""data·inclusion files (schema v0 and v1) read as the importer's own columns, without a profile.

Shapes recognised: one JSON document `{structures, services}` (our own export has `metadata` too),
a JSON array of services or of structures, CSV or XLSX services (the template's « Services » sheet,
its « Structures » sheet beside it, rows marked `__ignore__` skipped), and a separate structures file
(`--structures FILE`). Each service becomes one row with the headers of our CSV export, so the rest of
the pipeline (validation, places, themes, report) is the one every file goes through.

Identity: a data·inclusion id is unique only within its `source`, so the identifiant is
`source:id`. Our own export (source `annuaire`) carries that identifiant as its id, a lieu suffix
`--lieu-N` for a dispositif's second lieu, or `annuaire--<pk>` for a dispositif without identifiant
(then there is none, and the importer keys it on title, structure and place as it did first).
A file of structures alone (the « lieux » lists of digital inclusion) gives one dispositif per
structure. v0 theme codes go through data·inclusion's own table (`datainclusion_themes`).
"""

import csv
import io
import json
import re
from pathlib import Path

from .readers import Sheet, UnreadableFile, cell_text

OWN_SOURCE = "annuaire"  # maps/exports/datainclusion.py
SUMMARY_RULE = "\n\n---\n\n"  # how that export joins a summary and a description
_OWN_MINTED = re.compile(r"^annuaire--\d+$")
_LIEU_SUFFIX = re.compile(r"--lieu-\d+$")
HEADERS = ["Identifiant", "Intitulé", "Structure", "SIRET", "Thématique", "Résumé", "Description", "Public",
           "Statut de protection", "Gratuit", "Tarif", "Modalité", "Inscription", "Téléphone", "Courriel", "Site",
           "Zone d'intervention", "Nom du lieu", "Adresse", "Code postal", "Commune", "Code INSEE", "Latitude",
           "Longitude", "Horaires", "Date de vérification"]
PUBLICS = {"personnes-exilees": "bpi", "femmes": "femmes", "jeunes": "jeunes", "jeunes-16-26": "jeunes",
           "familles": "familles", "familles-enfants": "familles", "seniors": "seniors", "seniors-65": "seniors",
           "personnes-en-situation-de-handicap": "handicap", "personnes-handicapees": "handicap",
           "tous-publics": "tous-publics", "refugies": "bpi", "demandeurs-asile": "demandeurs-asile",
           "migrants": "primo-arrivants"}
MODES = {frozenset({"en-presentiel"}): "présentiel", frozenset({"a-distance"}): "à distance",
         frozenset({"en-presentiel", "a-distance"}): "mixte"}
_SERVICE_KEYS = {"structure_id", "thematiques", "modes_accueil", "zone_eligibilite", "zone_diffusion_type"}
_STRUCTURE_KEYS = {"siret", "pivot", "typologie", "code_insee", "adresse", "commune", "code_postal"}


def _list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [cell_text(v) for v in value if cell_text(v)]
    return [p for p in re.split(r"\s*[,;|]\s*", cell_text(value)) if p]


def _text(record: dict, *names) -> str:
    for name in names:
        value = cell_text(record.get(name))
        if value:
            return value
    return ""


# -- detection and reading ---------------------------------------------------------------------
def read(path, profile=None) -> Sheet | None:
    """The sheet of a data·inclusion file, or None when `path` is not one (then the usual readers
    run). `profile.structures` names a separate structures file."""
    path = Path(path)
    structures_path = getattr(profile, "structures", None)
    if not path.is_file():
        return None
    suffix = path.suffix.lower()
    if suffix in {".json", ".geojson"}:
        data = _json(path)
        if data is None:
            return None
        services, structures = _split_json(data)
        if services is None and structures is None:
            return None
    elif suffix in {".xlsx", ".xlsm", ".ods", ".xls"}:
        tables = _workbook(path)
        services, structures = tables.get("services"), tables.get("structures")
        if services is None:
            return None
    elif suffix in {".csv", ".tsv", ".txt"}:
        if not _csv_header_is_services(path):  # an ordinary CSV is streamed by readers.py, not loaded here
            return None
        records = _csv(path)
        keys = set(records[0][1]) if records else set()
        if not (_SERVICE_KEYS & keys and {"id", "nom"} <= keys):
            return None
        services, structures = records, None
    else:
        return None
    if structures_path:
        structures = (structures or []) + _structures_file(Path(structures_path))
    return to_sheet(services, structures)


def _json(path: Path):
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return None


def _split_json(data) -> tuple[list | None, list | None]:
    if isinstance(data, dict) and isinstance(data.get("services"), list):
        return data["services"], data.get("structures") or []
    if isinstance(data, dict) and isinstance(data.get("structures"), list) and "type" not in data:
        return None, data["structures"]
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        keys = set().union(*(r.keys() for r in data[:50]))
        if {"id", "nom"} <= keys and "structure_id" in keys:
            return data, None
        if {"id", "nom", "source"} <= keys and _STRUCTURE_KEYS & keys:
            return None, data
    return None, None


def _records(rows: list[list]) -> list[tuple[int, dict]]:
    """(line, record) of a sheet whose first row is the header; `__ignore__` rows are skipped and a
    header cell that is a date (the template's date_maj column) is read as `date_maj`."""
    if not rows:
        return []
    header = []
    for cell in rows[0]:
        text = cell_text(cell)
        header.append("date_maj" if re.fullmatch(r"\d{2}/\d{2}/\d{4}", text) else text)
    out = []
    for n, row in enumerate(rows[1:], start=2):
        record = {}
        for key, value in zip(header, row, strict=False):
            if key and key not in record or (key and not cell_text(record.get(key))):
                record[key] = value
        if cell_text(record.pop("__ignore__", "")) in {"Oui", "True", "1", "true"}:
            continue
        if any(cell_text(v) for v in record.values()):
            out.append((n, record))
    return out


def _workbook(path: Path) -> dict[str, list]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception:  # not a workbook: the usual reader will say why
        return {}
    tables = {}
    for name in workbook.sheet_names:
        key = name.strip().lower()
        if key in {"services", "structures"}:
            tables[key] = _records(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return tables


def _csv_header_is_services(path: Path) -> bool:
    """Whether the first line names data·inclusion service fields, from the first 64 KB only."""
    from .readers import detect_delimiter

    with open(path, "rb") as f:
        text = f.read(65536).decode("utf-8-sig", errors="replace")
    header = {cell.strip() for cell in next(csv.reader(io.StringIO(text, newline=""),
                                                       delimiter=detect_delimiter(text)), [])}
    return bool(_SERVICE_KEYS & header) and "nom" in header


def _csv(path: Path) -> list:
    from .readers import detect_delimiter

    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text[:65536])))
    return _records(rows)


def _structures_file(path: Path) -> list:
    if not path.is_file():
        raise UnreadableFile(f"--structures {path} : fichier introuvable")
    from .limits import Limits, check_file

    check_file(path, Limits.from_settings())  # the same size limits as the main file
    suffix = path.suffix.lower()
    if suffix in {".json", ".geojson"}:
        data = _json(path)
        if isinstance(data, dict):
            data = data.get("structures")
        if not isinstance(data, list):
            raise UnreadableFile(f"--structures {path.name} : tableau JSON de structures attendu")
        return data
    if suffix in {".xlsx", ".xlsm", ".ods", ".xls"}:
        tables = _workbook(path)
        return tables.get("structures") or next(iter(tables.values()), [])
    return _csv(path)


# -- records -> rows ---------------------------------------------------------------------------
def _unwrap(items) -> list[tuple[int, dict]]:
    """(line, record) pairs from either plain records (JSON: line = position + 2) or pairs."""
    return [item if isinstance(item, tuple) else (n, item) for n, item in enumerate(items or [], start=2)]


def identifiant(record: dict) -> str:
    source, ident = _text(record, "source"), _text(record, "id")
    if source == OWN_SOURCE:
        ident = _LIEU_SUFFIX.sub("", ident)
        return "" if _OWN_MINTED.match(ident) else ident
    return f"{source}:{ident}" if source and ident else ident


def _zone(record: dict, own: bool = False) -> str:
    codes = _list(record.get("zone_eligibilite"))
    if own:
        codes = _regions_back(codes)
    if not codes and record.get("zone_diffusion_type"):  # v0
        kind, code = _text(record, "zone_diffusion_type"), _text(record, "zone_diffusion_code")
        codes = ["france"] if kind == "pays" else ([code] if code else [])
        if kind == "region" and code:
            return f"Région {_region_name(code)}"
    parts = ["National" if c.lower() == "france" else c for c in codes]
    return "; ".join(dict.fromkeys(parts))


_REGIONS: dict[str, tuple[str, set[str]]] = {}  # région code -> (name, its départements), per file


def _regions_back(codes: list[str]) -> list[str]:
    """Our export lists a région coverage as all its départements (v1 has no région code): read
    back as « Région <nom> »."""
    if not _REGIONS:
        from territoires.models import Departement

        for dep, region, nom in Departement.objects.values_list("code", "region_id", "region__nom"):
            _REGIONS.setdefault(region, (nom, set()))[1].add(dep)
    given = set(codes)
    whole = [(nom, deps) for nom, deps in _REGIONS.values() if len(deps) > 1 and deps <= given]  # not a DROM
    covered = set().union(*(deps for _, deps in whole)) if whole else set()
    return [f"Région {nom}" for nom, _ in whole] + [c for c in codes if c not in covered]


def _region_name(code: str) -> str:
    from territoires.models import Region

    return Region.objects.filter(code=code).values_list("nom", flat=True).first() or code


def _publics(record: dict, own: bool) -> tuple[str, str]:
    """(publics, statuts): our own export lists our labels in `publics_precisions`."""
    if own:
        from dispositifs.vocabulaires import Public, StatutProtection
        from dispositifs.vocabulaires import match as vocabulary_match

        parts = [p for p in re.split(r"\s*;\s*", _text(record, "publics_precisions")) if p]
        publics = [vocabulary_match(Public, p) for p in parts]
        statuts = [vocabulary_match(StatutProtection, p) for p in parts]
        return ("; ".join(p for p in publics if p), "; ".join(s for s, p in zip(statuts, publics, strict=True)
                                                              if s and not p))
    values = [PUBLICS.get(p, p) for p in _list(record.get("publics") or record.get("profils"))]
    return "; ".join(dict.fromkeys(values)), ""


def _frais(record: dict) -> str:
    values = set(_list(record.get("frais")))
    if values == {"gratuit"}:
        return "Oui"
    if values and "gratuit" not in values:
        return "Non"
    return ""


def _row(service: dict, structure: dict | None, *, as_structure: bool = False) -> list:
    own = _text(service, "source") == OWN_SOURCE
    s = structure or {}
    if own and _text(service, "structure_id") == f"{OWN_SOURCE}--structure-non-renseignee":
        s = {}  # the export's stand-in for a dispositif without structure
    place = service if any(_text(service, k) for k in ("adresse", "commune", "code_postal", "latitude")) else s
    modes = frozenset(_list(service.get("modes_accueil")))
    description = _text(service, "description", "presentation_detail", "presentation_resume")
    summary = _text(service, "presentation_resume") if _text(service, "presentation_detail") else ""
    title = _text(service, "nom").rstrip(".")  # v1: a name does not end with a period
    if own:  # undo the export's stand-ins for required fields and its summary + description join
        m = re.fullmatch(r"(.{1,2}) \(Dispositif\)", title)
        title = m[1] if m else title
        if description == f"Dispositif : {title}":
            description = ""
        short = re.fullmatch(rf"(.{{1,4}}) \(Dispositif : {re.escape(title)}\)", description)
        description = short[1] if short else description
        if SUMMARY_RULE in description:
            summary, description = description.split(SUMMARY_RULE, 1)
    website = _text(service, "lien_mobilisation", "site_web") if own else \
        _text(service, "lien_mobilisation", "site_web", "lien_source")
    publics, statuts = _publics(service, own)
    return [
        identifiant(service), title,
        title if as_structure else _structure_name(_text(s, "nom"), own),
        _text(service, "siret") if as_structure else _text(s, "siret"),
        "; ".join(_collapse(_list(service.get("thematiques"))) if own else _list(service.get("thematiques"))),
        summary, description, publics, statuts, _frais(service),
        _text(service, "frais_precisions", "frais_autres"), MODES.get(modes, ""),
        _text(service, "mobilisation_precisions", "modes_orientation_beneficiaire_autres"),
        _text(service, "telephone"), _text(service, "courriel"), website, _zone(service, own),
        _text(place, "complement_adresse"), _text(place, "adresse", "Adresse"), _text(place, "code_postal"),
        _text(place, "commune"), _text(place, "code_insee"), _text(place, "latitude"), _text(place, "longitude"),
        _text(service, "horaires_accueil", "horaires_ouverture", "horaires", "recurrence"),
        _text(service, "date_maj"),
    ]


_CHILDREN: dict[str, set[str]] = {}  # category -> sub-themes, read once per file (to_sheet)


def _structure_name(name: str, own: bool) -> str:
    m = re.fullmatch(r"(.{1,2}) \(Structure\)", name) if own else None  # the export's padding to 3 characters
    return m[1] if m else name


def _collapse(slugs: list[str]) -> list[str]:
    """Our export lists a category as all its sub-themes (v1 has only sub-themes): read back as
    the category."""
    children = _CHILDREN
    if not children:
        from dispositifs.models import Theme

        for slug, parent in Theme.objects.filter(parent__isnull=False).values_list("slug", "parent_id"):
            children.setdefault(parent, set()).add(slug)
    given = set(slugs)
    out = [cat for cat, subs in children.items() if subs <= given]
    covered = set().union(*(children[c] for c in out)) if out else set()
    return sorted(out) + [s for s in slugs if s not in covered]


def to_sheet(services, structures) -> Sheet:
    """One row per service (or per structure when the file has no services)."""
    _CHILDREN.clear()
    _REGIONS.clear()
    by_id = {}
    for _line, s in _unwrap(structures):
        by_id[(_text(s, "source"), _text(s, "id"))] = s
        by_id.setdefault(("", _text(s, "id")), s)
    rows, lines = [HEADERS], [1]
    if services is None:
        for line, s in _unwrap(structures):
            rows.append(_row(s, None, as_structure=True))
            lines.append(line)
    else:
        for line, service in _unwrap(services):
            sid = _text(service, "structure_id")
            structure = by_id.get((_text(service, "source"), sid)) or by_id.get(("", sid))
            rows.append(_row(service, structure))
            lines.append(line)
    return Sheet(rows=rows, lines=lines, name="data·inclusion")


def with_structures(profile, path):
    """The run's profile carrying a separate structures file (`--structures`)."""
    from .columns import Profile, load_profile

    prof = load_profile(profile) or Profile(name="")
    prof.structures = path
    return prof
