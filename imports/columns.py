"""Column recognition: which spreadsheet column holds which dispositif field.

Common French headers are recognised without configuration (accents, case, punctuation and a
trailing "*" or "(…)" ignored). Anything else is mapped by a named profile, a declarative file
under `imports/profiles/` (TOML or JSON) that says `"Header in the file" = "field"`.
"""

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from territoires.text import fold

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
HEADER_SCAN_ROWS = 30

# field -> (French label used in messages, header synonyms as people write them)
FIELDS: dict[str, tuple[str, list[str]]] = {
    "external_id": ("identifiant", ["id", "identifiant", "identifiant externe", "reference", "ref", "code action",
                                    "id action", "id dispositif", "identifiant action", "id fs", "id lieu",
                                    "identifiant du lieu", "id service", "id structure"]),
    "title": ("intitulé", ["intitule", "intitule de l action", "nom de l action", "nom du dispositif", "dispositif",
                           "action", "titre", "libelle", "intitule du dispositif", "nom de l offre", "offre",
                           "libelle de l action", "nom", "intitule action", "titre de l action", "lib fs", "nom fs",
                           "libelle fs", "nom du service", "nom du lieu de mediation", "nom france services"]),
    "summary": ("résumé", ["resume", "description courte", "presentation", "accroche", "en bref",
                           "presentation resume"]),
    "description": ("description", ["description", "descriptif", "detail", "details", "contenu",
                                    "description de l action", "objectifs", "description longue",
                                    "presentation detail", "commentaire"]),
    "structure": ("structure", ["structure", "structure porteuse", "porteur", "operateur", "organisme",
                                "nom de la structure", "porteur de projet", "association", "porteur de l action",
                                "organisme porteur", "operateur agir", "partenaire", "structure nom", "nom structure"]),
    "structure_kind": ("type de structure", ["type de structure", "type structure", "nature de la structure",
                                             "statut juridique", "type d organisme", "type de porteur"]),
    "siret": ("SIRET", ["siret", "n siret", "numero siret", "siret de la structure", "pivot siret"]),
    "themes": ("thématique", ["thematique", "thematiques", "theme", "themes", "domaine",
                              "thematique principale", "domaine d intervention", "thematique s", "theme s"]),
    "publics": ("public", ["public", "publics", "public cible", "publics cibles", "public vise", "publics vises",
                           "beneficiaires", "public concerne", "profils"]),
    "protection_statuses": ("statut de protection", ["statut de protection", "statuts", "statut administratif",
                                                     "statut du public", "statuts acceptes"]),
    "age": ("âge", ["age", "ages", "tranche d age", "age du public"]),
    "age_min": ("âge minimum", ["age minimum", "age min", "age minimal"]),
    "age_max": ("âge maximum", ["age maximum", "age max", "age maximal"]),
    "french_level": ("niveau de français", ["niveau de francais", "niveau de francais requis", "niveau requis",
                                            "niveau fle", "niveau", "niveau de langue", "prerequis francais"]),
    "languages": ("langues", ["langues", "langues parlees", "langue", "langues d accueil"]),
    "free": ("gratuit", ["gratuit", "gratuite", "gratuit payant", "gratuit oui non", "acces gratuit", "frais"]),
    "price": ("tarif", ["tarif", "tarifs", "prix", "cout", "participation financiere", "frais precisions",
                        "frais autres"]),
    "modality": ("modalité", ["modalite", "modalites", "format", "mode", "modalite d accueil", "modes accueil"]),
    "registration": ("inscription", ["inscription", "modalites d inscription", "comment s inscrire", "orientation",
                                     "modalites d orientation", "prescription", "acces", "prise rdv",
                                     "modalites acces"]),
    "phone": ("téléphone", ["telephone", "tel", "numero de telephone", "contact telephonique", "telephone contact",
                            "tel contact", "portable", "telephone de contact", "n de telephone",
                            "contact telephone", "adresse telephone"]),
    "email": ("courriel", ["mail", "e mail", "email", "courriel", "adresse mail", "adresse e mail", "contact mail",
                           "mel", "adresse electronique", "courriel de contact", "contact email", "contact courriel"]),
    "website": ("site", ["site", "site web", "site internet", "url", "lien", "web", "lien internet", "contact web",
                         "site web url"]),
    "start_date": ("date de début", ["date de debut", "debut", "date debut", "du", "date de demarrage"]),
    "end_date": ("date de fin", ["date de fin", "fin", "date fin", "au", "jusqu au"]),
    "zone": ("zone d'intervention", ["zone d intervention", "zone", "territoire", "perimetre", "couverture",
                                     "zone geographique", "secteur", "portee", "zone de diffusion",
                                     "territoire d intervention", "perimetre d intervention", "secteur geographique",
                                     "zone eligibilite"]),
    "lieu_name": ("nom du lieu", ["lieu", "nom du lieu", "site d accueil", "lieu d accueil", "etablissement",
                                  "complement adresse", "complement d adresse", "adresse complement"]),
    "address": ("adresse", ["adresse", "adresse postale", "rue", "adresse du lieu", "adresse 1", "voie",
                            "adresse de l action", "numero et voie", "adresse complete", "adresse brut",
                            "adresse rue", "adresse voie", "result label", "result name", "adresse ligne 1",
                            "libelle voie", "nom voie"]),
    "address_number": ("numéro de voie", ["adresse numero", "numero de voie", "result housenumber",
                                          "numero voie", "num voie"]),
    "postal_code": ("code postal", ["cp", "code postal", "c p", "codepostal", "code postal du lieu",
                                    "adresse code postal", "result postcode", "postcode", "code postal commune",
                                    "adresse cp", "cp commune"]),
    "commune": ("commune", ["commune", "ville", "localite", "commune du lieu", "ville du lieu", "nom commune",
                            "lib com", "libelle commune", "nom de la commune", "adresse commune", "adresse ville",
                            "result city", "city", "libcom", "nom com", "commune libelle"]),
    "insee": ("code INSEE", ["code insee", "insee", "code commune", "code insee commune", "cog", "code commune insee",
                             "insee com", "com insee", "codeinsee", "adresse code insee", "result citycode",
                             "citycode", "depcom", "codgeo", "code geo", "insee commune", "code insee de la commune",
                             "insee code"]),
    "accessibility": ("accessibilité", ["accessibilite", "accessibilite pmr", "pmr", "acces pmr",
                                        "accessibilite lieu"]),
    "opening_hours": ("horaires", ["horaires", "horaires d ouverture", "jours et horaires", "permanences",
                                   "jours horaires", "horaire", "horaires ouverture osm", "horaires accueil",
                                   "horaires ouverture brut", "horaires ouverture"]),
    "latitude": ("latitude", ["latitude", "lat", "result latitude", "adresse latitude", "coord lat",
                              "latitude wgs84", "wgs84 lat"]),
    "longitude": ("longitude", ["longitude", "lon", "lng", "long", "result longitude", "adresse longitude",
                                "coord lon", "longitude wgs84", "wgs84 lon"]),
    # Projected or unknown coordinates: `x`/`y` are never taken as longitude/latitude without looking
    # at the numbers (imports.points decides between WGS 84 and a projected CRS).
    "x": ("x", ["x", "coord x", "x l93", "x lambert93", "x lambert 93", "coordonnee x", "xl93"]),
    "y": ("y", ["y", "coord y", "y l93", "y lambert93", "y lambert 93", "coordonnee y", "yl93"]),
    # opening hours given one column per day (France services: h_lundi…), joined into `opening_hours`
    **{f"hours_{day}": (f"horaires du {day}", [day, f"h {day}", f"horaires {day}", f"horaire {day}",
                                                  f"horaires du {day}"])
       for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")},
    "last_verified": ("date de mise à jour", ["date de mise a jour", "mise a jour", "derniere mise a jour",
                                              "date de verification", "date maj", "maj"]),
}
# Generic headers that name a field only when the column's values say so (DENY-list): a `categorie`
# is a theme column only if its values are themes, a `N°` an identifier only if its values are
# distinct (else it is the street number); `type`, `nature`, `statut`... are never guessed.
WEAK_HEADERS: dict[str, str] = {"categorie": "themes", "categories": "themes", "category": "themes",
                                "n": "external_id", "no": "external_id", "num": "external_id",
                                "numero": "external_id", "nº": "external_id"}
NEVER_GUESSED = {"type", "types", "nature", "statut", "typologie", "code", "groupe", "format"}
REQUIRED = ["title", "themes"]
PLACE_FIELDS = ["commune", "postal_code", "insee", "zone", "address"]

_SYNONYMS = {fold(s): name for name, (_, synonyms) in FIELDS.items() for s in synonyms}
for _name, (_label, _) in FIELDS.items():
    _SYNONYMS.setdefault(fold(_label), _name)
_PARENS = re.compile(r"\([^)]*\)|\[[^]]*\]")


class MissingColumns(Exception):
    """The header lacks a required column (exit status 2)."""


class UnknownProfile(Exception):
    pass


@dataclass
class Profile:
    """How to read one kind of file: header -> field, defaults, and a source's own values -> ours.

    Built from a file of `imports/profiles/` and/or the command's `--theme` and `--map` options."""

    name: str
    columns: dict[str, str] = field(default_factory=dict)  # folded header -> field
    defaults: dict[str, str] = field(default_factory=dict)  # field -> value when the column is absent/empty
    description: str = ""
    # field or folded header -> {folded value -> our value}: `--map categorie=3:numerique`
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def __str__(self):  # stored on the import run (80 characters)
        extra = [f"--theme {self.defaults['themes']}"] if self.defaults.get("themes") else []
        extra += [f"--map {k}" for k in self.values]
        return " ".join([self.name, *extra]).strip()[:80]


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*") if p.suffix in {".toml", ".json"})


def load_profile(name) -> Profile | None:
    """The named profile of `imports/profiles/`; a Profile given as is (built by the command)."""
    if isinstance(name, Profile):
        return name
    if not name:
        return None
    for suffix in (".toml", ".json"):
        path = PROFILES_DIR / f"{name}{suffix}"
        if path.is_file():
            data = tomllib.loads(path.read_text("utf-8")) if suffix == ".toml" else json.loads(path.read_text("utf-8"))
            columns = {fold(h): f for h, f in (data.get("columns") or {}).items()}
            unknown = sorted({f for f in columns.values() if f not in FIELDS})
            if unknown:
                raise UnknownProfile(f"profil {name} : champs inconnus {', '.join(unknown)} "
                                     f"(champs possibles : {', '.join(FIELDS)})")
            values = {k: {fold(v): str(t) for v, t in m.items()} for k, m in (data.get("values") or {}).items()}
            return Profile(name=name, columns=columns, defaults=dict(data.get("defaults") or {}),
                           description=data.get("description", ""), values=values)
    raise UnknownProfile(f"profil « {name} » introuvable dans imports/profiles/ "
                         f"(profils disponibles : {', '.join(available_profiles()) or 'aucun'})")


def build_profile(name: str | None = None, *, themes=(), maps=()) -> Profile | None:
    """The profile of one run: a named profile plus `--theme SLUG` (default themes of rows that have
    none) and `--map COLUMN=VALUE:slug` (a source's own value -> ours, for that column)."""
    profile = load_profile(name) or (Profile(name="") if themes or maps else None)
    if profile is None:
        return None
    if themes:
        profile.defaults["themes"] = "; ".join(themes)
    for text in maps:
        column, sep, rest = text.partition("=")
        value, sep2, target = rest.rpartition(":")
        if not (sep and sep2 and column.strip() and target.strip()):
            raise UnknownProfile(f"--map « {text} » : forme attendue COLONNE=VALEUR:slug")
        profile.values.setdefault(fold(column), {})[fold(value)] = target.strip()
    return profile


def field_for(header, profile: Profile | None = None) -> str | None:
    key = fold(str(header or "")) if not isinstance(header, float) else ""
    if not key:
        return None
    if profile and key in profile.columns:
        return profile.columns[key]
    if key in NEVER_GUESSED:
        return None
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    if key in WEAK_HEADERS:
        return WEAK_HEADERS[key]
    stripped = fold(_PARENS.sub(" ", str(header)))
    return _SYNONYMS.get(stripped)


@dataclass
class ColumnMap:
    header_index: int  # index in Sheet.rows of the header row
    header_line: int
    headers: list[str]
    fields: dict[str, int]  # field -> column index (the column with values wins, see `recognise`)
    notes: list[str] = field(default_factory=list)  # choices made between columns, for the report
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {folded value -> ours}
    filled: set[int] = field(default_factory=set)  # columns with a value in the rows read with the header

    def label(self, name: str) -> str:
        """The header text as the user wrote it, for the report."""
        idx = self.fields.get(name)
        return self.headers[idx] if idx is not None else FIELDS.get(name, (name,))[0]


def header_candidates(row: list, profile: Profile | None = None) -> dict[str, list[int]]:
    """field -> every column whose header names it, in the file's order."""
    fields: dict[str, list[int]] = {}
    for idx, cell in enumerate(row):
        name = field_for(cell, profile)
        if name:
            fields.setdefault(name, []).append(idx)
    return fields


def map_header(row: list, profile: Profile | None = None) -> dict[str, int]:
    return {name: cols[0] for name, cols in header_candidates(row, profile).items()}


def header_score(row: list, profile: Profile | None = None) -> int:
    fields = map_header(row, profile)
    return len(fields) + (5 if "title" in fields else 0)


def find_header(rows: list[list], profile: Profile | None = None) -> int | None:
    """Index of the header row among the first lines: title rows above it (one merged cell with
    the name of the file) score low because they match at most one known header."""
    best, best_score = None, 0
    for idx, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = header_score(row, profile)
        if score > best_score and score >= 7:  # the title column plus at least one other known column
            best, best_score = idx, score
    return best


def _column_values(sheet, start: int, col: int, limit: int = 5000) -> list[str]:
    from .readers import cell_text

    out = []
    for row in sheet.rows[start:start + limit]:
        text = cell_text(row[col]) if col < len(row) else ""
        if text:
            out.append(text)
    return out


def _weak_accepted(name: str, values: list[str]) -> bool:
    """A generic header (`categorie`, `N°`) names its field only when its values say so."""
    if not values:
        return False
    if name == "themes":
        from dispositifs.themes import ThemeIndex

        index = ThemeIndex()
        known = sum(1 for v in values if all(index.resolve(p) for p in re.split(r"\s*[;,|]\s*", v) if p))
        return known >= 0.8 * len(values)
    if name == "external_id":  # an identifier is distinct from row to row; a street number is not
        return len(set(values)) >= 0.9 * len(values)
    return True


def choose_columns(sheet, header_index: int, candidates: dict[str, list[int]], headers: list[str],
                   profile: Profile | None = None) -> tuple[dict[str, int], list[str]]:
    """One column per field: when two columns claim a field, the one with values wins (an empty
    `Latitude` must not hide a filled `latitude`); generic headers are checked against their values.
    Returns the map and one sentence per choice made, for the report."""
    fields, notes = {}, []
    start = header_index + 1
    for name, cols in candidates.items():
        explicit = [c for c in cols if profile and fold(headers[c]) in profile.columns]
        weak = [c for c in cols if c not in explicit and fold(headers[c]) in WEAK_HEADERS
                and fold(headers[c]) not in _SYNONYMS]
        strong = [c for c in cols if c not in weak]
        counts = {c: len(_column_values(sheet, start, c)) for c in cols} if len(cols) > 1 or weak else {}
        kept_weak = []
        for c in weak:
            if _weak_accepted(name, _column_values(sheet, start, c)):
                kept_weak.append(c)
            elif name == "external_id" and "address_number" not in candidates:
                fields.setdefault("address_number", c)
                notes.append(f"colonne « {headers[c]} » : valeurs non distinctes, lue comme numéro de voie")
            else:
                notes.append(f"colonne « {headers[c]} » ignorée : ses valeurs ne sont pas des "
                             f"{FIELDS[name][0]}s reconnus")
        pool = explicit or strong + kept_weak
        if not pool:
            continue
        best = max(pool, key=lambda c: (counts.get(c, 1), -c)) if len(pool) > 1 else pool[0]
        fields[name] = best
        others = [c for c in pool if c != best]
        if others:
            shown = ", ".join(f"« {headers[c]} » ({counts.get(c, 0)} valeurs)" for c in others)
            notes.append(f"{FIELDS[name][0]} : colonne « {headers[best]} » retenue ({counts.get(best, 0)} valeurs) ; "
                         f"ignorée(s) : {shown}")
    return fields, notes


def recognise(sheet, profile: Profile | None = None) -> ColumnMap:
    """The column map of a sheet, or MissingColumns naming what is missing and what was found."""
    from .readers import cell_text

    idx = find_header(sheet.rows, profile)
    if idx is None:
        # Report against the most header-like line so the message shows what the user wrote.
        candidates = [r for r in sheet.rows[:HEADER_SCAN_ROWS] if any(cell_text(c) for c in r)]
        found = max(candidates, key=lambda r: (header_score(r, profile), sum(1 for c in r if cell_text(c))),
                    default=[])
        fields = map_header(found, profile)
        raise MissingColumns(_missing_message(fields, [cell_text(c) for c in found], profile))
    headers = [cell_text(c) for c in sheet.rows[idx]]
    fields, notes = choose_columns(sheet, idx, header_candidates(sheet.rows[idx], profile), headers, profile)
    value_maps = _value_maps(profile, fields, headers)
    has_place = bool(sheet.geometries and any(sheet.geometries)) or any(
        f in fields for f in PLACE_FIELDS + ["latitude", "x"])
    if any(f not in fields for f in _required(profile)) or not has_place:
        raise MissingColumns(_missing_message(fields, headers, profile))
    return ColumnMap(header_index=idx, header_line=sheet.lines[idx], headers=headers, fields=fields, notes=notes,
                     value_maps=value_maps,
                     filled={c for c in range(len(headers)) if _column_values(sheet, idx + 1, c)})


def _value_maps(profile: Profile | None, fields: dict[str, int], headers: list[str]) -> dict:
    """The run's value maps keyed by field: `--map` names a field or a header; a header that is not
    otherwise read becomes the theme column when the file has none (`--map services=X:numerique`)."""
    out: dict[str, dict[str, str]] = {}
    for key, mapping in (profile.values if profile else {}).items():
        name = key if key in FIELDS else next((f for f, c in fields.items() if fold(headers[c]) == key), None)
        if name is None and "themes" not in fields:
            col = next((i for i, h in enumerate(headers) if fold(h) == key), None)
            if col is not None:
                fields["themes"] = col
                name = "themes"
        if name:
            out.setdefault(name, {}).update(mapping)
    return out


def _required(profile: Profile | None) -> list[str]:
    """Title and themes, unless the run gives default themes (`--theme`)."""
    return [f for f in REQUIRED if not (profile and profile.defaults.get(f))]


def _missing_message(fields: dict[str, int], headers: list[str], profile: Profile | None = None) -> str:
    missing = [f"{FIELDS[f][0]} (par ex. « {FIELDS[f][1][0].capitalize()} »)" for f in _required(profile)
               if f not in fields]
    if not any(f in fields for f in PLACE_FIELDS + ["latitude", "x"]):
        missing.append("un lieu ou une zone (« Commune », « Code postal », « Code INSEE », « Adresse » ou "
                       "« Zone d'intervention »)")
    found = ", ".join(f"« {h} »" for h in headers if h) or "aucun"
    hint = " ; sans colonne de thématique, donnez-la avec --theme SLUG" if "themes" not in fields \
        and "themes" in _required(profile) else ""
    return (f"colonnes obligatoires manquantes : {' ; '.join(missing)}. En-têtes trouvés : {found}. "
            f"Renommez les colonnes ou utilisez --profile (profils : {', '.join(available_profiles()) or 'aucun'})"
            f"{hint}.")
