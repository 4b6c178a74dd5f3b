"""One spreadsheet row -> one candidate dispositif (or a rejection), with every doubt reported:
title, themes, structure, lieu (commune from the gazetteer) and coverage (zone text). The cell
parsers live in `values.py`; the rules shared with the admin and the API in `dispositifs.validation`.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError

from dispositifs import validation
from dispositifs.vocabulaires import Modalite, Public, StatutProtection, TypeStructure

from .gazetteer import Coverage, ZoneError
from .readers import cell_text
from .report import ERROR, WARNING, Problem
from .values import (
    TRUE_WORDS,
    fold,
    free,
    french_level,
    languages,
    match,
    normalise_field,
    normalise_field_cached,
    normalise_insee,
    normalise_postal_code,
    parse_ages,
    parse_date_cell,
    vocab_list,
)

_LIST_SPLIT = re.compile(r"\s*[;|\n•]\s*")
_HAS_LIST_SEP = re.compile(r"[;|\n•]")
_SUB_SPLIT = re.compile(r"\s*[,/]\s*|\s+et\s+")
MAX_LENGTHS = {"title": 300, "summary": 500, "price": 200, "lieu_name": 200, "address": 300,
               "accessibility": 300, "opening_hours": 300, "external_id": 120, "structure": 255}


@dataclass
class Candidate:
    """A dispositif that will be imported: its fields, structure, lieux and coverage. One row gives
    one lieu at most; rows sharing its identifiant add theirs (`imports.lieux.merge`)."""

    line: int  # the first row's line
    fields: dict
    themes: list[str]
    structure: dict | None
    # each lieu: name, address, postal_code, commune (CommuneRef), lon, lat, precision, accessibility,
    # opening_hours, plus `line` (its row, for the report) and `query` (the address for BAN, or "")
    lieux: list[dict]
    coverage: Coverage
    problems: list[Problem] = field(default_factory=list)
    rows: int = 1  # data rows merged into this dispositif, each counted with its outcome


class RowContext:
    """What every row of one run shares: gazetteer, theme index, column map, options."""

    def __init__(self, *, gazetteer, themes, colmap, departement=None, defaults=None, geometries=None):
        self.gazetteer = gazetteer
        self.themes = themes
        self.colmap = colmap
        self.departement = departement
        self.defaults = defaults or {}
        self.geometries = geometries or []
        self.items = list(colmap.fields.items())
        self.resolve_theme = lru_cache(maxsize=8192)(themes.resolve)
        self.theme_cache: dict[str, tuple] = {}
        self.located: dict | None = None  # point -> commune code, filled on first need
        self.resolve_commune = lru_cache(maxsize=65536)(
            lambda insee, cp, name: gazetteer.resolve_commune(insee=insee, postal_code=cp, name=name,
                                                              departement=departement))
        self.zone_cache: dict[tuple, object] = {}
        self.length_checks = [(name, limit) for name, limit in MAX_LENGTHS.items() if name in colmap.fields]


def normalise_row(index: int, ctx: RowContext, sheet) -> tuple[Candidate | None, list[Problem]]:
    """Candidate for the row `sheet.rows[index]`, or (None, problems) when the row is rejected."""
    raw = sheet.rows[index]
    line = sheet.lines[index]
    values = {}
    width = len(raw)
    for name, col in ctx.items:
        value = raw[col] if col < width else None
        if value.__class__ is str:  # the common case, without a function call
            values[name] = value.strip()
        else:
            values[name] = "" if value is None else cell_text(value)
    for name, default in ctx.defaults.items():
        if not values.get(name):
            values[name] = str(default)
    problems: list[Problem] = []
    label = ctx.colmap.label

    def warn(name, value, reason):
        problems.append(Problem(line, label(name), value, reason, WARNING))

    def error(name, value, reason):
        problems.append(Problem(line, label(name), value, reason, ERROR))

    for name, limit in ctx.length_checks:
        value = values.get(name)
        if value and len(value) > limit:
            warn(name, value[:60] + "…", f"texte trop long ({len(value)} caractères), coupé à {limit}")
            values[name] = value[:limit]

    title = " ".join(values.get("title", "").split())
    if not title:
        error("title", "", "intitulé manquant : chaque action doit avoir un intitulé")

    themes = _themes(values.get("themes", ""), ctx, problems, line, label)

    f = {"title": title, "summary": values.get("summary", ""), "description": values.get("description", ""),
         "registration": values.get("registration", ""), "price": values.get("price", ""),
         "external_id": values.get("external_id", "")}
    for name, normaliser in (("phone", validation.normalise_phone), ("email", validation.normalise_email)):
        value = values.get(name, "")  # unique per row: not worth memoising
        f[name] = normalise_field(name, value, normaliser, warn) if value else ""
    website = values.get("website", "")
    f["website"] = normalise_field_cached("website", website, validation.normalise_url, warn) if website else ""
    get = values.get
    text = get("publics", "")
    f["publics"] = vocab_list(text, Public, "public", "publics", warn=warn) if text else []
    text = get("protection_statuses", "")
    f["protection_statuses"] = vocab_list(text, StatutProtection, "statut de protection", "protection_statuses",
                                          warn=warn) if text else []
    text = get("french_level", "")
    f["french_level"] = french_level(text, warn=warn) if text else ""
    text = get("languages", "")
    f["languages"] = languages(text, warn=warn) if text else []
    text = get("free", "")
    f["free"], price = free(text, warn=warn) if text else (None, "")
    if price and not f["price"]:
        f["price"] = price[:200]
    if f["free"] is None and f["price"]:
        f["free"] = fold(f["price"]) in TRUE_WORDS or None
    modality = get("modality", "")
    f["modality"] = Modalite.PRESENTIEL.value
    if modality:
        f["modality"] = str(match(Modalite, modality) or Modalite.PRESENTIEL.value)
        if not match(Modalite, modality):
            warn("modality", modality, "modalité inconnue (présentiel, à distance, mixte) : « présentiel » retenu")
    f["age_min"], f["age_max"] = parse_ages(values, warn) if (get("age") or get("age_min") or get("age_max")) \
        else (None, None)
    start, end = get("start_date", ""), get("end_date", "")
    f["start_date"] = parse_date_cell("start_date", start, warn) if start else None
    f["end_date"] = parse_date_cell("end_date", end, warn) if end else None
    if f["start_date"] and f["end_date"] and f["start_date"] > f["end_date"]:
        warn("end_date", end, "date de fin avant la date de début : dates ignorées")
        f["start_date"] = f["end_date"] = None
    f["last_verified"] = parse_date_cell("last_verified", values.get("last_verified", ""), warn)

    structure = _structure(values, warn)
    lieu, commune_dep = _lieu(values, ctx, index, error, warn)
    coverage = Coverage()
    zone = values.get("zone", "")
    if zone:
        key = (zone, commune_dep)
        coverage = ctx.zone_cache.get(key)
        if coverage is None:
            try:
                coverage = ctx.gazetteer.coverage(zone, departement=ctx.departement, row_departement=commune_dep)
            except ZoneError as e:
                coverage = e
            ctx.zone_cache[key] = coverage  # shared between rows: never mutated after this point
        if isinstance(coverage, ZoneError):
            e, coverage = coverage, Coverage()
            if lieu is None:
                error("zone", zone, f"zone d'intervention inconnue : {e}")
            else:
                warn("zone", zone, f"zone d'intervention non reconnue ({e}) : seul le lieu est retenu")
    if title and not any(p.severity == ERROR for p in problems):
        try:
            validation.check_reachable(national=coverage.national, has_coverage=bool(coverage), has_lieux=bool(lieu))
        except ValidationError as e:
            error("zone", zone, e.messages[0])
    if any(p.severity == ERROR for p in problems):
        return None, problems
    if lieu:
        if structure:
            structure["commune"] = lieu["commune"].code
        lieu["line"] = line
        lieu["query"] = f"{lieu['address']} {lieu['postal_code'] or ''} {lieu['commune'].nom}".strip() \
            if lieu["address"] else ""
    return Candidate(line=line, fields=f, themes=themes, structure=structure, lieux=[lieu] if lieu else [],
                     coverage=coverage, problems=problems), problems


def _themes(text, ctx, problems, line, label) -> list[str]:
    cached = ctx.theme_cache.get(text)
    if cached is None:
        cached = ctx.theme_cache[text] = _parse_themes(text, ctx)
    slugs, record = cached
    if record:
        problems.append(Problem(line, label("themes"), *record))
    return slugs


def _parse_themes(text, ctx) -> tuple[list[str], tuple | None]:
    """(slugs, problem) for a theme cell; the problem is (value, reason, severity) or None."""
    if not text:
        return [], ("", "aucune thématique indiquée", WARNING)
    slugs, unknown = [], []
    for part in _LIST_SPLIT.split(text) if _HAS_LIST_SEP.search(text) else [text]:
        if not part:
            continue
        slug = ctx.resolve_theme(part)
        if slug:
            slugs.append(slug)
            continue
        for sub in _SUB_SPLIT.split(part):
            if not fold(sub):
                continue
            slug = ctx.resolve_theme(sub)
            if slug:
                slugs.append(slug)
            else:
                unknown.append(sub)
    if unknown:
        return [], (text, f"thématique inconnue : {', '.join(unknown)} (thématiques connues : "
                          f"{ctx.themes.known_labels()})", ERROR)
    return list(dict.fromkeys(slugs)), None


def _structure(values, warn) -> dict | None:
    name = " ".join(values.get("structure", "").split())
    if not name:
        return None
    siret = values.get("siret", "")
    if siret:
        try:
            siret = validation.normalise_siret(siret)
        except ValidationError as e:
            warn("siret", siret, f"{e.messages[0]} : ignoré")
            siret = ""
    kind_text = values.get("structure_kind", "")
    kind = match(TypeStructure, kind_text) if kind_text else None
    if kind_text and not kind:
        warn("structure_kind", kind_text, "type de structure inconnu : « association » retenu")
    return {"name": name, "siret": siret, "kind": kind or TypeStructure.ASSOCIATION, "commune": None}


def _lieu(values, ctx, index, error, warn) -> tuple[dict | None, str | None]:
    """The lieu from INSEE code / postal code + commune name, or a GeoJSON point; (None, None) when
    the row names no place. An unresolvable place is an error (the row is rejected)."""
    insee_text, cp_text, name = values.get("insee", ""), values.get("postal_code", ""), values.get("commune", "")
    address = " ".join(values.get("address", "").split())
    point = ctx.geometries[index] if index < len(ctx.geometries) else None
    if point is None and values.get("latitude") and values.get("longitude"):
        try:
            point = (float(values["longitude"].replace(",", ".")), float(values["latitude"].replace(",", ".")))
        except ValueError:
            warn("latitude", values["latitude"], "coordonnées illisibles : ignorées")
    insee = cp = ""
    try:
        insee = normalise_insee(insee_text) if insee_text else ""
    except ValidationError as e:
        warn("insee", insee_text, f"{e.messages[0]} : ignoré")
    try:
        cp = normalise_postal_code(cp_text) if cp_text else ""
    except ValidationError as e:
        # "69003 Lyon" in the postal-code column, or a CEDEX code: keep the five digits if there are
        m = re.search(r"\b\d{5}\b", cp_text)
        cp = m[0] if m else ""
        if not m:
            warn("postal_code", cp_text, f"{e.messages[0]} : ignoré")
    if not (insee or cp or name or point):
        if address:
            error("commune", address, "adresse sans commune ni code postal : lieu introuvable")
        return None, None
    ref, doubt = ctx.resolve_commune(insee, cp, name)
    if ref is None and point is not None:
        ref = _locate(ctx, point)
    if ref is None and not (insee_text or cp_text or name):
        error("longitude", f"{point[0]}, {point[1]}", "lieu introuvable : ce point n'est dans aucune commune française")
        return None, None
    if ref is None:
        shown = " ".join(filter(None, [insee_text, cp_text, name]))
        column = "commune" if name else ("insee" if insee_text else "postal_code")
        hint = doubt or f"aucune commune ne correspond à « {shown} » (vérifiez le nom, le code postal ou le code INSEE)"
        error(column, shown, "lieu introuvable : " + hint)
        return None, None
    if doubt:
        warn("commune" if name else "postal_code", " ".join(filter(None, [cp_text, name])), doubt)
    lon, lat, precision = ref.lon, ref.lat, "commune"
    if point is not None:
        lon, lat, precision = point[0], point[1], "adresse" if address else "commune"
    return {"name": values.get("lieu_name", ""), "address": address, "postal_code": cp, "commune": ref,
            "lon": lon, "lat": lat, "precision": precision, "accessibility": values.get("accessibility", ""),
            "opening_hours": values.get("opening_hours", "")}, ref.departement


def _locate(ctx, point):
    """The commune of a point: from the batch located up front (one query for the whole file), else
    one look-up for a point that fell outside every contour (coasts) within a few km."""
    if ctx.located is None:
        ctx.located = ctx.gazetteer.locate_many(ctx.geometries)
    code = ctx.located.get(point)
    if code:
        return ctx.gazetteer.commune_by_code(code)
    from django.contrib.gis.geos import Point

    from territoires.models import Commune

    found = Commune.objects.locate(Point(point[0], point[1], srid=4326))
    code = getattr(found, "code", None)
    return ctx.gazetteer.commune_by_code(code) if code else None


