"""One spreadsheet row -> one candidate dispositif (or a rejection), with every doubt reported.

Field formats go through `dispositifs.validation` and `dispositifs.vocabulaires.match`, the one
validation path of the project; this module only knows how spreadsheets spell things
(Oui/Non/Gratuit, "16-25 ans", dd/mm/yyyy, theme lists separated by ";").
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError

from dispositifs import validation
from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public, StatutProtection, TypeStructure
from dispositifs.vocabulaires import match as vocabulary_match
from territoires.text import fold as text_fold

from .gazetteer import Coverage, ZoneError
from .readers import cell_text
from .report import ERROR, WARNING, Problem

# A spreadsheet repeats the same few values thousands of times: memoise the folding and the
# vocabulary look-ups (both pure functions) so 50,000 rows cost a few thousand real calls.
match = lru_cache(maxsize=8192)(vocabulary_match)
fold = lru_cache(maxsize=65536)(text_fold)
normalise_postal_code = lru_cache(maxsize=65536)(validation.normalise_postal_code)  # exceptions are not cached
normalise_insee = lru_cache(maxsize=65536)(validation.normalise_insee)
_LIST_SPLIT = re.compile(r"\s*[;|\n•]\s*")
_HAS_LIST_SEP = re.compile(r"[;|\n•]")
_VOCAB_SPLIT = re.compile(r"\s*[;,/|\n]\s*|\s+et\s+")
_SUB_SPLIT = re.compile(r"\s*[,/]\s*|\s+et\s+")
_DATE_PATTERNS = [re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$"), re.compile(r"^(\d{4})-(\d{2})-(\d{2})")]
_LEVEL = re.compile(r"\b([abc])\s?([12])\b")
_AGE = re.compile(r"(\d{1,3})")
LANGUAGES = {
    "francais": "fr", "anglais": "en", "arabe": "ar", "pachto": "ps", "pashto": "ps", "pachtou": "ps",
    "dari": "prs", "persan": "fa", "farsi": "fa", "tigrigna": "ti", "tigrinya": "ti", "russe": "ru",
    "ukrainien": "uk", "espagnol": "es", "portugais": "pt", "italien": "it", "allemand": "de", "turc": "tr",
    "albanais": "sq", "georgien": "ka", "armenien": "hy", "somali": "so", "amharique": "am", "soudanais": "ar",
    "kurde": "ku", "tamoul": "ta", "bengali": "bn", "ourdou": "ur", "chinois": "zh", "roumain": "ro",
    "lsf": "lsf", "langue des signes": "lsf",
}
TRUE_WORDS = {"oui", "o", "x", "gratuit", "gratuite", "1", "true", "vrai", "yes", "y", "gratuit e"}
FALSE_WORDS = {"non", "n", "payant", "payante", "0", "false", "faux", "no"}
MAX_LENGTHS = {"title": 300, "summary": 500, "price": 200, "lieu_name": 200, "address": 300,
               "accessibility": 300, "opening_hours": 300, "external_id": 120, "structure": 255}


@dataclass
class Candidate:
    """A row that will be imported: dispositif fields, its structure, its lieu and coverage."""

    line: int
    fields: dict
    themes: list[str]
    structure: dict | None
    lieu: dict | None  # name, address, postal_code, commune (CommuneRef), lon, lat, precision
    coverage: Coverage
    address_query: str = ""  # for BAN
    problems: list[Problem] = field(default_factory=list)


def _memoised(fn):
    """Memoise a parser `fn(*args, warn)` whose only side effect is calling warn(name, value, reason):
    the warnings are recorded once and replayed for every row with the same cell text."""

    @lru_cache(maxsize=8192)
    def pure(*args):
        records = []
        result = fn(*args, lambda *w: records.append(w))
        return result, tuple(records)

    def call(*args, warn):
        result, records = pure(*args)
        for record in records:
            warn(*record)
        return result

    return call


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
        self.resolve_commune = lru_cache(maxsize=65536)(
            lambda insee, cp, name: gazetteer.resolve_commune(insee=insee, postal_code=cp, name=name,
                                                              departement=departement))
        self.zone_cache: dict[tuple, object] = {}
        self.length_checks = [(name, limit) for name, limit in MAX_LENGTHS.items() if name in colmap.fields]


@lru_cache(maxsize=8192)
def parse_date(text: str):
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text.strip())
        if m:
            a, b, c = (int(g) for g in m.groups())
            y, mo, d = (a, b, c) if a > 31 else (c, b, a)
            if y < 100:
                y += 2000
            return dt.date(y, mo, d)
    raise ValueError(text)


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
        f[name] = _normalise_field(name, value, normaliser, warn) if value else ""
    website = values.get("website", "")
    f["website"] = _normalised("website", website, validation.normalise_url, warn) if website else ""
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
    f["age_min"], f["age_max"] = _ages(values, warn) if (get("age") or get("age_min") or get("age_max")) \
        else (None, None)
    start, end = get("start_date", ""), get("end_date", "")
    f["start_date"] = _date("start_date", start, warn) if start else None
    f["end_date"] = _date("end_date", end, warn) if end else None
    if f["start_date"] and f["end_date"] and f["start_date"] > f["end_date"]:
        warn("end_date", end, "date de fin avant la date de début : dates ignorées")
        f["start_date"] = f["end_date"] = None
    f["last_verified"] = _date("last_verified", values.get("last_verified", ""), warn)

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
    if structure and lieu:
        structure["commune"] = lieu["commune"].code
    query = ""
    if lieu and lieu["address"]:
        query = f"{lieu['address']} {lieu['postal_code'] or ''} {lieu['commune'].nom}".strip()
    return Candidate(line=line, fields=f, themes=themes, structure=structure, lieu=lieu, coverage=coverage,
                     address_query=query, problems=problems), problems


def _normalised(name, value, normaliser, warn):
    return _normalised_memo(name, value, normaliser, warn=warn)


def _normalise_field(name, value, normaliser, warn):
    if not value:
        return ""
    try:
        return normaliser(value)
    except ValidationError as e:
        if name == "phone":  # "01 23 45 67 89 / 06 12 34 56 78": keep the first good number
            for part in re.split(r"\s*(?:/|ou|,|;|–)\s*", value):
                try:
                    first = normaliser(part)
                except ValidationError:
                    continue
                warn(name, value, f"plusieurs numéros : seul {first} est gardé")
                return first
        warn(name, value, f"{e.messages[0]} : valeur ignorée")
        return ""


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


def _vocab_list(text, vocabulary, what, name, warn) -> list[str]:
    if not text:
        return []
    values, unknown = [], []
    for part in _VOCAB_SPLIT.split(text):
        if not part:
            continue
        value = match(vocabulary, part)
        if value:
            values.append(value)
        else:
            unknown.append(part)
    if unknown:
        warn(name, text, f"{what} inconnu ignoré : {', '.join(unknown)}")
    return list(dict.fromkeys(values))


def _french_level(text, warn) -> str:
    if not text:
        return ""
    value = match(NiveauFrancais, text)
    if value:
        return value
    m = _LEVEL.search(fold(text))
    if m:
        return f"{m[1].upper()}{m[2]}"
    warn("french_level", text, "niveau de français inconnu (aucun, alpha, A1 à C2) : ignoré")
    return ""


def _languages(text, warn) -> list[str]:
    if not text:
        return []
    codes, unknown = [], []
    for part in _VOCAB_SPLIT.split(text):
        key = fold(part)
        if not key:
            continue
        code = LANGUAGES.get(key) or (key if re.fullmatch(r"[a-z]{2,3}", key) else None)
        if code:
            codes.append(code)
        else:
            unknown.append(part)
    if unknown:
        warn("languages", text, f"langue inconnue ignorée : {', '.join(unknown)}")
    return list(dict.fromkeys(codes))


def _free(text, warn) -> tuple[bool | None, str]:
    key = fold(text)
    if not key:
        return None, ""
    if key in TRUE_WORDS:
        return True, ""
    if key in FALSE_WORDS:
        return False, ""
    if re.search(r"\d|€|eur", text, re.I):
        return False, text
    if key.startswith("gratuit"):
        return True, ""
    warn("free", text, "gratuit : Oui, Non, Gratuit ou Payant attendu ; ignoré")
    return None, ""


def _ages(values, warn) -> tuple[int | None, int | None]:
    lo = hi = None
    text = values.get("age", "")
    if text:
        numbers = [int(n) for n in _AGE.findall(text)]
        key = fold(text)
        if len(numbers) >= 2:
            lo, hi = numbers[0], numbers[1]
        elif len(numbers) == 1:
            if re.search(r"moins|max|jusqu|<", key + text):
                hi = numbers[0] - (1 if "moins" in key or "<" in text else 0)
            else:
                lo = numbers[0]
        elif key not in {"tous ages", "tout age", "tous"}:
            warn("age", text, "âge illisible : ignoré")
    for name in ("age_min", "age_max"):
        text = values.get(name, "")
        if text:
            m = _AGE.search(text)
            if m:
                if name == "age_min":
                    lo = int(m[1])
                else:
                    hi = int(m[1])
            else:
                warn(name, text, "âge illisible : ignoré")
    try:
        validation.check_age_range(lo, hi)
    except ValidationError as e:
        warn("age_min" if values.get("age_min") else "age", f"{lo}-{hi}", f"{e.messages[0]} : âges ignorés")
        return None, None
    return lo, hi


def _date(name, text, warn):
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        warn(name, text, "date illisible (jj/mm/aaaa attendu) : ignorée")
        return None


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
    from django.contrib.gis.geos import Point

    from territoires.models import Commune

    found = Commune.objects.locate(Point(point[0], point[1], srid=4326))
    code = getattr(found, "code", None)
    return ctx.gazetteer.commune_by_code(code) if code else None


_normalised_memo = _memoised(_normalise_field)
vocab_list = _memoised(_vocab_list)
french_level = _memoised(_french_level)
languages = _memoised(_languages)
free = _memoised(_free)
