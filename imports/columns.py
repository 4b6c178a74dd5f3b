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
                                    "id action", "numero", "n", "no", "num", "id dispositif", "identifiant action"]),
    "title": ("intitulé", ["intitule", "intitule de l action", "nom de l action", "nom du dispositif", "dispositif",
                           "action", "titre", "libelle", "intitule du dispositif", "nom de l offre", "offre",
                           "libelle de l action", "nom", "intitule action", "titre de l action"]),
    "summary": ("résumé", ["resume", "description courte", "presentation", "accroche", "en bref"]),
    "description": ("description", ["description", "descriptif", "detail", "details", "contenu",
                                    "description de l action", "objectifs", "description longue"]),
    "structure": ("structure", ["structure", "structure porteuse", "porteur", "operateur", "organisme",
                                "nom de la structure", "porteur de projet", "association", "porteur de l action",
                                "organisme porteur", "operateur agir", "partenaire"]),
    "structure_kind": ("type de structure", ["type de structure", "type structure", "nature de la structure",
                                             "statut juridique", "type d organisme", "type de porteur"]),
    "siret": ("SIRET", ["siret", "n siret", "numero siret", "siret de la structure"]),
    "themes": ("thématique", ["thematique", "thematiques", "theme", "themes", "domaine", "categorie",
                              "thematique principale", "domaine d intervention", "thematique s", "theme s"]),
    "publics": ("public", ["public", "publics", "public cible", "publics cibles", "public vise", "publics vises",
                           "beneficiaires", "public concerne"]),
    "protection_statuses": ("statut de protection", ["statut de protection", "statuts", "statut administratif",
                                                     "statut du public", "statuts acceptes"]),
    "age": ("âge", ["age", "ages", "tranche d age", "age du public"]),
    "age_min": ("âge minimum", ["age minimum", "age min", "age minimal"]),
    "age_max": ("âge maximum", ["age maximum", "age max", "age maximal"]),
    "french_level": ("niveau de français", ["niveau de francais", "niveau de francais requis", "niveau requis",
                                            "niveau fle", "niveau", "niveau de langue", "prerequis francais"]),
    "languages": ("langues", ["langues", "langues parlees", "langue", "langues d accueil"]),
    "free": ("gratuit", ["gratuit", "gratuite", "gratuit payant", "gratuit oui non", "acces gratuit"]),
    "price": ("tarif", ["tarif", "tarifs", "prix", "cout", "participation financiere"]),
    "modality": ("modalité", ["modalite", "modalites", "format", "mode", "modalite d accueil"]),
    "registration": ("inscription", ["inscription", "modalites d inscription", "comment s inscrire", "orientation",
                                     "modalites d orientation", "prescription", "acces"]),
    "phone": ("téléphone", ["telephone", "tel", "numero de telephone", "contact telephonique", "telephone contact",
                            "tel contact", "portable", "telephone de contact", "n de telephone"]),
    "email": ("courriel", ["mail", "e mail", "email", "courriel", "adresse mail", "adresse e mail", "contact mail",
                           "mel", "adresse electronique", "courriel de contact"]),
    "website": ("site", ["site", "site web", "site internet", "url", "lien", "web", "lien internet"]),
    "start_date": ("date de début", ["date de debut", "debut", "date debut", "du", "date de demarrage"]),
    "end_date": ("date de fin", ["date de fin", "fin", "date fin", "au", "jusqu au"]),
    "zone": ("zone d'intervention", ["zone d intervention", "zone", "territoire", "perimetre", "couverture",
                                     "zone geographique", "secteur", "portee", "zone de diffusion",
                                     "territoire d intervention", "perimetre d intervention", "secteur geographique"]),
    "lieu_name": ("nom du lieu", ["lieu", "nom du lieu", "site d accueil", "lieu d accueil", "etablissement"]),
    "address": ("adresse", ["adresse", "adresse postale", "rue", "adresse du lieu", "adresse 1", "voie",
                            "adresse de l action", "numero et voie", "adresse complete"]),
    "postal_code": ("code postal", ["cp", "code postal", "c p", "codepostal", "code postal du lieu"]),
    "commune": ("commune", ["commune", "ville", "localite", "commune du lieu", "ville du lieu", "nom commune"]),
    "insee": ("code INSEE", ["code insee", "insee", "code commune", "code insee commune", "cog", "code commune insee"]),
    "accessibility": ("accessibilité", ["accessibilite", "accessibilite pmr", "pmr", "acces pmr"]),
    "opening_hours": ("horaires", ["horaires", "horaires d ouverture", "jours et horaires", "permanences",
                                   "jours horaires", "horaire"]),
    "latitude": ("latitude", ["latitude", "lat", "y"]),
    "longitude": ("longitude", ["longitude", "lon", "lng", "long", "x"]),
    "last_verified": ("date de mise à jour", ["date de mise a jour", "mise a jour", "derniere mise a jour",
                                              "date de verification", "date maj", "maj"]),
}
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
    name: str
    columns: dict[str, str] = field(default_factory=dict)  # folded header -> field
    defaults: dict[str, str] = field(default_factory=dict)  # field -> value when the column is absent/empty
    description: str = ""


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*") if p.suffix in {".toml", ".json"})


def load_profile(name: str | None) -> Profile | None:
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
            return Profile(name=name, columns=columns, defaults=dict(data.get("defaults") or {}),
                           description=data.get("description", ""))
    raise UnknownProfile(f"profil « {name} » introuvable dans imports/profiles/ "
                         f"(profils disponibles : {', '.join(available_profiles()) or 'aucun'})")


def field_for(header, profile: Profile | None = None) -> str | None:
    key = fold(str(header or "")) if not isinstance(header, float) else ""
    if not key:
        return None
    if profile and key in profile.columns:
        return profile.columns[key]
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    stripped = fold(_PARENS.sub(" ", str(header)))
    return _SYNONYMS.get(stripped)


@dataclass
class ColumnMap:
    header_index: int  # index in Sheet.rows of the header row
    header_line: int
    headers: list[str]
    fields: dict[str, int]  # field -> column index (first column wins)

    def label(self, name: str) -> str:
        """The header text as the user wrote it, for the report."""
        idx = self.fields.get(name)
        return self.headers[idx] if idx is not None else FIELDS.get(name, (name,))[0]


def map_header(row: list, profile: Profile | None = None) -> dict[str, int]:
    fields: dict[str, int] = {}
    for idx, cell in enumerate(row):
        name = field_for(cell, profile)
        if name and name not in fields:
            fields[name] = idx
    return fields


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
        raise MissingColumns(_missing_message(fields, [cell_text(c) for c in found]))
    headers = [cell_text(c) for c in sheet.rows[idx]]
    fields = map_header(sheet.rows[idx], profile)
    has_place = bool(sheet.geometries and any(sheet.geometries)) or any(
        f in fields for f in PLACE_FIELDS + ["latitude"])
    if any(f not in fields for f in REQUIRED) or not has_place:
        raise MissingColumns(_missing_message(fields, headers))
    return ColumnMap(header_index=idx, header_line=sheet.lines[idx], headers=headers, fields=fields)


def _missing_message(fields: dict[str, int], headers: list[str]) -> str:
    missing = [f"{FIELDS[f][0]} (par ex. « {FIELDS[f][1][0].capitalize()} »)" for f in REQUIRED if f not in fields]
    if not any(f in fields for f in PLACE_FIELDS + ["latitude"]):
        missing.append("un lieu ou une zone (« Commune », « Code postal », « Code INSEE », « Adresse » ou "
                       "« Zone d'intervention »)")
    found = ", ".join(f"« {h} »" for h in headers if h) or "aucun"
    return (f"colonnes obligatoires manquantes : {' ; '.join(missing)}. En-têtes trouvés : {found}. "
            f"Renommez les colonnes ou utilisez --profile (profils : {', '.join(available_profiles()) or 'aucun'}).")
