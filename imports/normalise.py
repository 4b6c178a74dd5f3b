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

from .datainclusion_themes import v0_themes
from .gazetteer import Coverage, ZoneError
from .places import row_lieu
from .readers import cell_text
from .report import ERROR, WARNING, Problem
from .summary import suggest
from .values import (
    TRUE_WORDS,
    fold,
    free,
    french_level,
    languages,
    match,
    normalise_field,
    normalise_field_cached,
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
        self.notes = list(getattr(colmap, "notes", []))  # column choices, reported once on the first row
        self.value_maps = getattr(colmap, "value_maps", {})  # --map / profile: a source's values -> ours
        self.default_themes: list[str] | None = None
        self.day_fields = [f for f in colmap.fields if f.startswith("hours_")]
        self.has_coordinates = any(f in colmap.fields for f in ("latitude", "longitude", "x", "y"))
        self.off_shore: set | None = None  # points near a commune but in none (coasts)
        self.suspects: list[tuple] = []  # (lieu, claimed commune, point's commune): checked after all rows

    def theme_slugs(self, part: str) -> tuple[str, ...] | None:
        """Slugs for one theme value: the run's own map, our vocabulary (labels, synonyms), then a
        data·inclusion v0 code through data·inclusion's table (an empty tuple: v0 code without v1
        equivalent). None when unknown."""
        mapped = self.value_maps.get("themes", {}).get(fold(part))
        if mapped:
            slugs = [self.resolve_theme(m) for m in _LIST_SPLIT.split(mapped)]
            return tuple(s for s in slugs if s) or None
        slug = self.resolve_theme(part)
        if slug:
            return (slug,)
        v0 = v0_themes().get(part.strip().lower())
        if v0 is not None:
            return tuple(s for s in v0 if s in self.themes.slugs)
        return None

    def theme_suggestion(self, part: str) -> str:
        choices = getattr(self, "_theme_choices", None)
        if choices is None:
            choices = self._theme_choices = {name: slug for name, slug in self.themes._index.items()}
        found = suggest(fold(part), choices)
        return ", ".join(dict.fromkeys(choices[f] for f in found.split(", ") if f in choices))


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
    for name, mapping in ctx.value_maps.items():
        if name != "themes" and values.get(name):
            values[name] = mapping.get(fold(values[name]), values[name])
    for name, default in ctx.defaults.items():
        if not values.get(name):
            values[name] = str(default)
    # Opening hours are stored as OSM `opening_hours` when they read as such (a French text, per-day columns,
    # data·inclusion's OSM value), else kept as written: a note on the page, never a rejected row.
    if ctx.day_fields and not values.get("opening_hours"):
        days = tuple((name[6:], values[name]) for name in ctx.day_fields if values.get(name))
        values["opening_hours"] = validation.opening_hours_from_days(days)[:300] if days else ""
    if values.get("opening_hours"):
        values["opening_hours"] = validation.normalise_opening_hours(values["opening_hours"])
    number = values.get("address_number")
    if number and values.get("address") and not values["address"].startswith(number):
        values["address"] = f"{number} {values['address']}"
    problems: list[Problem] = []
    label = ctx.colmap.label

    def warn(name, value, reason, cause="", suggestion=""):
        problems.append(Problem(line, label(name), value, reason, WARNING, cause or _cause(name), suggestion))

    def error(name, value, reason, cause="", suggestion=""):
        problems.append(Problem(line, label(name), value, reason, ERROR, cause or _cause(name), suggestion))

    if ctx.notes:
        problems.extend(Problem(ctx.colmap.header_line, "(en-têtes)", "", note, WARNING, "colonnes")
                        for note in ctx.notes)
        ctx.notes = []

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
    lieu, commune_dep = row_lieu(values, ctx, index, error, warn)
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
    slugs, records = cached
    for record in records:
        problems.append(Problem(line, label("themes"), *record))
    return slugs


def _parse_themes(text, ctx) -> tuple[list[str], list[tuple]]:
    """(slugs, problems) for a theme cell; each problem is (value, reason, severity, cause,
    suggestion). Unknown values beside known ones are dropped with a warning; a cell with no known
    value takes the run's default themes (`--theme`) with a warning, or rejects the row."""
    if not text:
        return [], [("", "aucune thématique indiquée", WARNING, "theme-manquant", "")]
    slugs, unknown, without = [], [], []
    for part in _LIST_SPLIT.split(text) if _HAS_LIST_SEP.search(text) else [text]:
        if not part:
            continue
        found = ctx.theme_slugs(part)
        if found is None:
            subs = [sub for sub in _SUB_SPLIT.split(part) if fold(sub)]
            results = [(sub, ctx.theme_slugs(sub)) for sub in subs]
            if len(subs) > 1 and any(r is not None for _, r in results):
                for sub, r in results:
                    if r is None:
                        unknown.append(sub)
                    elif not r:
                        without.append(sub)
                    slugs.extend(r or ())
                continue
            unknown.append(part)
        elif not found:
            without.append(part)
        slugs.extend(found or ())
    records = []
    for part in unknown:
        records.append((part, f"thématique « {part} » inconnue : ignorée", WARNING, "theme-inconnu",
                        ctx.theme_suggestion(part)))
    for part in without:
        records.append((part, f"code data·inclusion v0 « {part} » sans équivalent v1", WARNING,
                        "theme-v0-sans-equivalent", ""))
    slugs = list(dict.fromkeys(slugs))
    if not slugs:
        default = ctx.defaults.get("themes")
        if default:
            slugs = [s for part in _LIST_SPLIT.split(str(default)) for s in (ctx.theme_slugs(part) or ())]
            records.append((text, f"aucune thématique reconnue : thématique par défaut ({default}) retenue",
                            WARNING, "theme-par-defaut", ""))
        elif unknown:
            sug = "; ".join(filter(None, (ctx.theme_suggestion(part) for part in unknown)))
            records = [(text, f"thématique inconnue : {', '.join(unknown)} (thématiques connues : "
                              f"{ctx.themes.known_labels()})", ERROR, "theme-inconnu", sug)]
        else:
            records = [(text, f"code data·inclusion v0 sans équivalent v1 : {', '.join(without)}", ERROR,
                        "theme-v0-sans-equivalent", "")]
    return slugs, records


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


def _cause(name: str) -> str:
    return {"phone": "telephone-invalide", "email": "courriel-invalide", "website": "url-invalide",
            "siret": "siret-invalide"}.get(name, name.replace("_", "-"))
