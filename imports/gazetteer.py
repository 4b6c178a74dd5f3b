"""The offline gazetteer of one import run: every commune, département and région held in dicts,
loaded once (about 0.3 s), so resolving 50,000 rows costs no query per row.

Resolves a commune from an INSEE code, a postal code and/or a name (accent-insensitive, "St"
for "Saint", Paris/Lyon/Marseille arrondissements, "CEDEX" ignored), and turns the text of a
zone column into a coverage (national, régions, départements, communes; an EPCI, by SIREN or name,
covers its member communes).
"""

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import connection

from territoires.text import fold as text_fold

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """territoires.text.fold, shortened for ASCII text (78 % of commune names), which NFKD and
    accent stripping leave as it is: the gazetteer folds 40,000 names per run."""
    if isinstance(text, str) and text.isascii():
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    return text_fold(text)


fold = lru_cache(maxsize=65536)(_fold)  # place names repeat across rows: fold each once

ARRONDISSEMENTS = Path(settings.BASE_DIR) / "fixtures" / "territoires" / "arrondissements.csv"
# Old INSEE codes of merged communes and names of delegated/associated communes -> today's commune
# (Etalab découpage administratif, COG 2026: `anciensCodes`, `chefLieu`).
ANCIENNES = Path(settings.BASE_DIR) / "fixtures" / "territoires" / "anciennes-communes.csv"
_CEDEX = re.compile(r"\s+cedex(\s+\d+)?$")
_ARR = re.compile(r"^(paris|lyon|marseille)\s+(\d{1,2})\s*(e|er|eme|ieme)?(\s+arrondissement)?$")
_SPLIT = re.compile(r"\s*(?:[,;/\n|+]|\s-\s)\s*|\s+et\s+", re.I)


@dataclass(frozen=True, slots=True, eq=False)  # identity comparison: one object per commune
class CommuneRef:
    code: str
    nom: str
    departement: str
    region: str
    population: int
    lon: float
    lat: float
    codes_postaux: tuple[str, ...]


@dataclass
class Coverage:
    national: bool = False
    regions: set[str] = field(default_factory=set)
    departements: set[str] = field(default_factory=set)
    communes: set[str] = field(default_factory=set)

    def __bool__(self):
        return bool(self.national or self.regions or self.departements or self.communes)


class ZoneError(ValueError):
    """Part of a zone text names no known territory."""


def _name_keys(name: str) -> list[str]:
    key = fold(name)
    keys = [key]
    if key.startswith("saint "):
        keys.append("st " + key[6:])
    if key.startswith("sainte "):
        keys.append("ste " + key[7:])
    return keys


_CACHE: dict[tuple, "Gazetteer"] = {}
FINGERPRINT_SQL = """SELECT md5(string_agg(code || nom || departement_id || array_to_string(codes_postaux, ' ')
                                   || ST_AsText(centre) || coalesce(epci_id, ''), ',' ORDER BY code))
                      FROM territoires_commune"""


class Gazetteer:
    @classmethod
    def current(cls) -> "Gazetteer":
        """The gazetteer of the current database, reused between runs of one process (load_demo,
        the web upload) as long as the communes are unchanged: a fingerprint query costs ~30 ms,
        a fresh load ~0.4 s."""
        with connection.cursor() as c:
            c.execute(FINGERPRINT_SQL)
            fingerprint = c.fetchone()[0]
        key = (connection.settings_dict.get("HOST"), connection.settings_dict.get("PORT"),
               connection.settings_dict.get("NAME"), fingerprint)
        gazetteer = _CACHE.get(key)
        if gazetteer is None:
            _CACHE.clear()
            gazetteer = _CACHE[key] = cls()
        return gazetteer

    def __init__(self):
        self.communes: dict[str, CommuneRef] = {}
        self.by_name: dict[str, list[CommuneRef]] = {}
        self.by_postal: dict[str, list[CommuneRef]] = {}
        with connection.cursor() as c:
            c.execute("SELECT code, nom, departement_id, region_id, population, ST_X(centre), ST_Y(centre), "
                      "codes_postaux FROM territoires_commune")
            for code, nom, dep, reg, pop, lon, lat, cps in c.fetchall():
                ref = CommuneRef(code, nom, dep, reg, pop, lon, lat, tuple(cps))
                self.communes[code] = ref
                for key in _name_keys(nom):
                    self.by_name.setdefault(key, []).append(ref)
                for cp in cps:
                    self.by_postal.setdefault(cp, []).append(ref)
            c.execute("SELECT code, nom, region_id FROM territoires_departement")
            self.departements = {code: (nom, reg) for code, nom, reg in c.fetchall()}
            c.execute("SELECT code, nom FROM territoires_region")
            self.regions = dict(c.fetchall())
            # EPCI (SIREN) -> member communes: a coverage naming an EPCI covers its communes
            c.execute("SELECT e.code, e.nom, array_agg(co.code ORDER BY co.code) FROM territoires_epci e "
                      "JOIN territoires_commune co ON co.epci_id = e.code GROUP BY e.code, e.nom")
            self.epcis = {code: (nom, tuple(members)) for code, nom, members in c.fetchall()}
        for refs in self.by_name.values():
            refs.sort(key=lambda r: -r.population)
        self.dep_by_name = {fold(nom): code for code, (nom, _) in self.departements.items()}
        self.region_by_name = {fold(nom): code for code, nom in self.regions.items()}
        self.epci_by_name = {fold(nom): code for code, (nom, _) in self.epcis.items()}
        self.arrondissements: dict[str, str] = {}  # arrondissement code or folded name -> commune code
        if ARRONDISSEMENTS.is_file():
            with open(ARRONDISSEMENTS, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    parent = row["commune_parent"]
                    self.arrondissements[row["code"]] = parent
                    for cp in row["codes_postaux"].split():
                        if self.communes.get(parent) and cp not in self.communes[parent].codes_postaux:
                            self.by_postal.setdefault(cp, []).append(self.communes[parent])
        self.old_codes: dict[str, str] = {}  # old INSEE code -> today's commune code
        self.old_names: dict[str, list[CommuneRef]] = {}  # delegated/associated commune name -> today's commune
        if ANCIENNES.is_file():
            with open(ANCIENNES, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    ref = self.communes.get(row["commune"])
                    if ref is None:
                        continue
                    if row["code"] not in self.communes:
                        self.old_codes[row["code"]] = ref.code
                    if row["nom"]:
                        for key in _name_keys(row["nom"]):
                            self.old_names.setdefault(key, []).append(ref)

    # -- communes ---------------------------------------------------------------------------
    def commune_by_code(self, code: str) -> CommuneRef | None:
        """Today's commune for a code: a current code, an arrondissement or an old code of a commune
        that merged (01340 -> 01015)."""
        code = self.arrondissements.get(code, code)
        return self.communes.get(code) or self.communes.get(self.old_codes.get(code, ""))

    def communes_named(self, name: str) -> list[CommuneRef]:
        key = _CEDEX.sub("", fold(name))
        if not key:
            return []
        m = _ARR.match(key)
        if m:
            return [self.communes[c] for c in {"paris": ["75056"], "lyon": ["69123"], "marseille": ["13055"]}[m[1]]]
        full = re.sub(r"^st ", "saint ", re.sub(r"^ste ", "sainte ", key))
        # a delegated or associated commune's name ("Bellegarde-sur-Valserine") names today's commune
        return self.by_name.get(key) or self.by_name.get(full) or self.old_names.get(key) \
            or self.old_names.get(full, [])

    def resolve_commune(self, *, insee: str = "", postal_code: str = "", name: str = "",
                        departement: str | None = None) -> tuple[CommuneRef | None, str | None]:
        """(commune, warning). The commune is None when nothing matches; the warning says what was
        doubtful (a postal code of another commune, several homonyms...)."""
        if insee:
            ref = self.commune_by_code(insee)
            if ref is None:
                return None, f"code INSEE inconnu : {insee}"
            return ref, None
        named = self.communes_named(name) if name else []
        if postal_code:
            in_cp = self.by_postal.get(postal_code, [])
            if named:
                both = [r for r in named if r in in_cp]
                if both:
                    return both[0], None
                same_dep = [r for r in named if r.departement == _dep_of_postal(postal_code)]
                if same_dep:
                    return same_dep[0], (f"le code postal {postal_code} n'est pas celui de {same_dep[0].nom} "
                                         f"({', '.join(same_dep[0].codes_postaux)}) : commune retenue")
                if len(in_cp) == 1:  # a locality ("97437 SAINTE ANNE"): the postal code names one commune
                    return in_cp[0], (f"« {name} » n'est pas une commune du code postal {postal_code} : "
                                      f"{in_cp[0].nom}, seule commune de ce code, retenue")
                if in_cp:
                    return None, f"« {name} » n'est pas une commune du code postal {postal_code}"
                return None, None
            if name and len(in_cp) == 1:  # a misspelt name, but the postal code names one commune
                return in_cp[0], (f"commune « {name} » inconnue : {in_cp[0].nom}, seule commune du code postal "
                                  f"{postal_code}, retenue")
            if name:  # a name that matches nothing and a postal code shared by several communes: do not guess
                return None, None
            if len(in_cp) == 1:
                return in_cp[0], None
            if in_cp:
                best = max(in_cp, key=lambda r: r.population)
                return best, (f"le code postal {postal_code} couvre {len(in_cp)} communes sans nom de commune : "
                              f"{best.nom} retenue")
            return None, None
        if not named:
            return None, None
        if departement:
            local = [r for r in named if r.departement == departement]
            if local:
                named = local
        if len(named) > 1:
            return named[0], (f"{len(named)} communes s'appellent « {name} » : {named[0].nom} "
                              f"({named[0].departement}) retenue, précisez le code postal")
        return named[0], None

    def locate_many(self, points) -> dict[tuple, str]:
        """Commune code of each (lon, lat) in one query on the subdivided contours (GiST index)."""
        points = list({p for p in points if p})
        if not points:
            return {}
        with connection.cursor() as c:
            c.execute("""
                SELECT p.lon, p.lat, (SELECT cp.commune_id FROM territoires_communepiece cp
                                      WHERE ST_Intersects(cp.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
                                      LIMIT 1)
                FROM unnest(%s::float8[], %s::float8[]) AS p(lon, lat)""",
                      [[p[0] for p in points], [p[1] for p in points]])
            return {(lon, lat): code for lon, lat, code in c.fetchall() if code}

    # -- zones ------------------------------------------------------------------------------
    def coverage(self, text: str, *, departement: str | None, row_departement: str | None) -> Coverage:
        """Turn a zone text into a coverage, or raise ZoneError naming what is not understood."""
        cov = Coverage()
        key = fold(text)
        if not key:
            return cov
        if key in {"national", "nationale", "france", "france entiere", "toute la france", "territoire national",
                   "france metropolitaine", "national a distance", "tout le territoire", "pays"}:
            cov.national = True
            return cov
        if self._one(text, cov, departement=departement, row_departement=row_departement):
            return cov
        unknown = []
        for part in _SPLIT.split(text):
            if fold(part) and not self._one(part, cov, departement=departement, row_departement=row_departement):
                unknown.append(part.strip())
        if unknown:
            raise ZoneError(", ".join(unknown))
        return cov

    def _one(self, text: str, cov: Coverage, *, departement, row_departement) -> bool:
        key = fold(text)
        if key in {"national", "france"}:
            cov.national = True
            return True
        dep_here = departement or row_departement
        if key in {"tout le departement", "departement", "departemental", "departementale", "tout le dept",
                   "ensemble du departement", "dept", "tout le territoire departemental"}:
            if not dep_here:
                raise ZoneError(f"« {text.strip()} » sans département connu (ajoutez --departement CODE)")
            cov.departements.add(dep_here)
            return True
        if key in {"toute la region", "region", "regional", "regionale", "ensemble de la region"}:
            if not dep_here or dep_here not in self.departements:
                raise ZoneError(f"« {text.strip()} » sans région connue (ajoutez --departement CODE)")
            cov.regions.add(self.departements[dep_here][1])
            return True
        stripped = re.sub(r"^(tout le |toute la |ensemble du |ensemble de la )?(departement|region|dept)"
                          r"( du| de la| de l| des| de| d)?\s+", "", key)
        stripped = re.sub(r"^(tout|toute|toutes|tous)\s+(le|la|les|l)\s+", "", stripped)
        epci = re.sub(r"^(epci|siren)\s+", "", key)
        if re.fullmatch(r"\d{9}", epci.replace(" ", "")) or epci in self.epci_by_name:
            code = self.epci_by_name.get(epci) or epci.replace(" ", "")
            if code in self.epcis:  # an EPCI (data·inclusion, DORA): its member communes
                cov.communes.update(self.epcis[code][1])
                return True
        for k in dict.fromkeys([key, stripped]):
            code = k.upper().replace(" ", "")
            if len(code) <= 3 and code.zfill(2) in self.departements:
                cov.departements.add(code.zfill(2))
                return True
            if k in self.dep_by_name:
                cov.departements.add(self.dep_by_name[k])
                return True
            if k in self.region_by_name:
                cov.regions.add(self.region_by_name[k])
                return True
            if re.fullmatch(r"\d{5}|2[ab]\d{3}", k):
                ref = self.commune_by_code(code) or (self.by_postal.get(code) or [None])[0]
                if ref:
                    cov.communes.add(ref.code)
                    return True
            named = self.communes_named(k)
            if named:
                local = [r for r in named if r.departement == dep_here] if dep_here else []
                cov.communes.add((local or named)[0].code)
                return True
        return False


# Collectivités d'outre-mer that files name: Saint-Martin and Saint-Barthélemy are loaded as places
# (fixtures/territoires/collectivites.csv, old Guadeloupe codes in anciennes-communes.csv); on a
# database loaded before them, and for the others, the report names the collectivity.
COLLECTIVITES = {"97801": "Saint-Martin", "97127": "Saint-Martin", "97150": "Saint-Martin",
                 "97701": "Saint-Barthélemy", "97123": "Saint-Barthélemy", "97133": "Saint-Barthélemy",
                 "saint martin": "Saint-Martin", "saint barthelemy": "Saint-Barthélemy"}


def collectivite(insee: str = "", postal_code: str = "", name: str = "") -> str | None:
    """The overseas collectivity a row names (Saint-Martin, Saint-Barthélemy), or None."""
    key = fold(re.sub(r"\d{5}", " ", name or ""))
    return COLLECTIVITES.get(insee) or COLLECTIVITES.get(key) or (
        COLLECTIVITES.get(postal_code) if not name else None)


_COM_POSTAL = {"97133": "977", "97150": "978"}  # Saint-Barthélemy, Saint-Martin: Guadeloupe's range


def _dep_of_postal(cp: str) -> str:
    if cp in _COM_POSTAL:
        return _COM_POSTAL[cp]
    if cp.startswith("97"):
        return cp[:3]
    if cp.startswith("20"):
        return "2A" if int(cp) < 20200 else "2B"
    return cp[:2]
