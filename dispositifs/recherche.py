""""What is available near me": place resolution, search filters and the search service.

    place = resolve_place(code_postal="21300")            # or lat/lon, commune, adresse
    filters = Filters.from_params(request.GET)            # raises InvalidSearch (-> 400)
    result = search(place, filters)
    result.count, result.facettes, result.page(1, 20)     # each item: dispositif, portee, distance_m, lieu_proche

The rules are DESIGN.md §4; `DispositifQuerySet.reachable_from()` states them in ORM terms and
`recherche_sql` runs them as one indexed statement (see there why raw SQL).
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from territoires.models import Commune, Departement, Region
from territoires.text import fold

from . import recherche_sql, validation
from .models import Dispositif, Lieu, Theme
from .querysets import PORTEES
from .vocabulaires import Modalite, NiveauFrancais, Public, match

RAYON_MAX_KM = 200
PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100
STATEMENT_TIMEOUT_MS = 2000


class InvalidSearch(Exception):
    """A search the user must correct: `detail` is a French sentence; the API answers 400."""

    def __init__(self, detail: str, *, param: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.param = param


class PlaceNotFound(InvalidSearch):
    """The place given cannot be found in France."""


class SearchTimeout(Exception):
    """The database did not answer within the statement timeout (the API answers 503)."""


# ---------------------------------------------------------------------------------------------
# Place
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    point: Point
    commune: Commune
    departement: Departement
    region: Region
    label: str

    def as_dict(self) -> dict:
        return {
            "lat": round(self.point.y, 6), "lon": round(self.point.x, 6), "label": self.label,
            "commune": {"code": self.commune.code, "nom": self.commune.nom},
            "departement": {"code": self.departement.code, "nom": self.departement.nom},
            "region": {"code": self.region.code, "nom": self.region.nom},
        }


def _place(commune: Commune, point: Point | None = None, label: str | None = None) -> Place:
    return Place(point=point or commune.centre, commune=commune, departement=commune.departement,
                 region=commune.region, label=label or f"{commune.nom} ({commune.departement_id})")


def _communes():
    return Commune.objects.select_related("departement", "region").defer(
        "contour", "departement__contour", "region__contour")


def resolve_place(*, lat=None, lon=None, commune=None, code_postal=None, adresse=None) -> Place:
    """Return the point, commune, département and région of a place given in one of four ways.

    `lat`/`lon`: the commune containing the point (subdivided contours, PostGIS). `commune`: an
    INSEE code (a name is accepted too). `code_postal`: the most populous commune with that code.
    `adresse`: free text; offline, a postal code and/or a commune name found in it; through the
    Base Adresse Nationale first when settings.GEOCODER == "ban".
    Raises PlaceNotFound (a French sentence for the user); the API turns it into a 400.
    """
    given = [name for name, v in (("lat/lon", lat if lat is not None else lon), ("commune", commune),
                                  ("code_postal", code_postal), ("adresse", adresse)) if _present(v)]
    if not given:
        raise PlaceNotFound("Indiquez un lieu : lat et lon, commune (code INSEE), code_postal ou adresse.")
    if len(given) > 1:
        raise PlaceNotFound(f"Indiquez un seul lieu à la fois (reçu : {', '.join(given)}).")
    if given[0] == "lat/lon":
        return _from_point(_coordinate(lat, "lat", -90, 90), _coordinate(lon, "lon", -180, 180))
    if given[0] == "commune":
        return _from_commune(str(commune).strip())
    if given[0] == "code_postal":
        return _from_postal_code(str(code_postal).strip())
    return _from_address(str(adresse).strip())


def _present(value) -> bool:
    return value is not None and str(value).strip() != ""


def _coordinate(value, name: str, low: float, high: float) -> float:
    if not _present(value):
        raise PlaceNotFound("lat et lon vont ensemble : indiquez les deux (degrés décimaux, WGS84).")
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise PlaceNotFound(f"{name} doit être un nombre en degrés décimaux (reçu « {value} »).") from None
    if not (low <= number <= high) or number != number:
        raise PlaceNotFound(f"{name} doit être compris entre {low} et {high} (reçu « {value} »).")
    return number


def _from_point(lat: float, lon: float) -> Place:
    point = Point(lon, lat, srid=4326)
    commune = _communes().locate(point)
    if commune is None:
        raise PlaceNotFound(f"Aucune commune française à cet endroit (lat={lat}, lon={lon}). "
                            "Vérifiez l'ordre lat/lon ou indiquez une commune.")
    return _place(commune, point, label=commune.nom)


def _from_commune(text: str) -> Place:
    try:
        code = validation.normalise_insee(text)
    except ValidationError:
        code = None
    if code:
        found = _communes().filter(code=code).first()
        if found is None:
            raise PlaceNotFound(f"Aucune commune n'a le code INSEE « {text} ». "
                                "Cherchez-la par son nom avec /api/v1/territoires/communes/?q=")
        return _place(found)
    found = _communes().search(text).first()
    if found is None:
        raise PlaceNotFound(f"Commune introuvable : « {text} ». Indiquez son code INSEE ou son code postal.")
    return _place(found)


def _from_postal_code(text: str) -> Place:
    try:
        code = validation.normalise_postal_code(text)
    except ValidationError:
        code = ""
    if not code:
        raise PlaceNotFound(f"Code postal invalide : « {text} » (5 chiffres, par exemple 21000).")
    found = _communes().with_postal_code(code).order_by("-population").first()
    if found is None:
        raise PlaceNotFound(f"Aucune commune n'a le code postal {code}.")
    return _place(found, label=f"{found.nom} ({code})")


_POSTAL = re.compile(r"(?<!\d)(\d{5}|\d{2} \d{3})(?!\d)")


def _from_address(text: str) -> Place:
    if getattr(settings, "GEOCODER", "offline") == "ban":
        place = _from_ban(text)
        if place is not None:
            return place
    found = _commune_in_text(text)
    if found is None:
        raise PlaceNotFound(f"Adresse introuvable : « {text} ». Ajoutez le code postal ou le nom de la commune.")
    return _place(found)


def _commune_in_text(text: str) -> Commune | None:
    """Offline: a postal code in the text picks the communes; a commune name (any run of words,
    folded) picks among them or alone; ties go to the longest name, then the most populous."""
    postal = _POSTAL.search(text)
    words = fold(_POSTAL.sub(" ", text)).split()
    grams = {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(len(words), i + 6) + 1)}
    if postal:
        by_code = list(_communes().with_postal_code(postal.group(1).replace(" ", "")).order_by("-population"))
        named = [c for c in by_code if c.nom_normalise in grams]
        if named or by_code:
            return max(named, key=lambda c: len(c.nom_normalise)) if named else by_code[0]
    if not grams:
        return None
    candidates = list(_communes().filter(nom_normalise__in=grams).order_by("-population")[:50])
    if not candidates:
        return None
    return max(candidates, key=lambda c: (len(c.nom_normalise), c.population))


def _from_ban(text: str) -> Place | None:
    """Base Adresse Nationale through geopy (kept here so the search never imports `imports`);
    any network trouble falls back to the offline gazetteer."""
    from urllib.parse import urlparse

    from geopy.exc import GeopyError
    from geopy.geocoders import BANFrance

    url = urlparse(settings.BAN_URL)
    geocoder = BANFrance(domain=url.netloc + url.path.rstrip("/"), scheme=url.scheme or "https",
                         timeout=settings.BAN_TIMEOUT)
    try:
        location = geocoder.geocode(text, exactly_one=True)
    except (GeopyError, OSError, ValueError):
        return None
    if location is None:
        return None
    point = Point(location.longitude, location.latitude, srid=4326)
    commune = _communes().locate(point)
    return _place(commune, point, label=location.address) if commune else None


def resolve_place_from_params(params) -> Place:
    """`resolve_place` from query parameters (a QueryDict or a dict)."""
    return resolve_place(**{k: params.get(k) for k in ("lat", "lon", "commune", "code_postal", "adresse")})


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------
_TRUE = {"1", "true", "oui", "yes", "on", "vrai"}
_FALSE = {"0", "false", "non", "no", "off", "faux"}
_THEMES_CACHE: dict = {"at": 0.0, "themes": {}}


def known_themes() -> dict[str, str | None]:
    """{slug: parent slug} of the vocabulary, cached a minute per process (85 rows, read on every search)."""
    if time.monotonic() - _THEMES_CACHE["at"] > 60 or not _THEMES_CACHE["themes"]:
        _THEMES_CACHE["themes"] = dict(Theme.objects.values_list("slug", "parent_id"))
        _THEMES_CACHE["at"] = time.monotonic()
    return _THEMES_CACHE["themes"]


def expand_themes(slugs) -> list[str]:
    """Like Theme.objects.expand: the themes and their sub-themes, from the cached vocabulary."""
    wanted = set(slugs)
    return sorted(s for s, parent in known_themes().items() if s in wanted or parent in wanted)


@dataclass
class Filters:
    themes: list[str] = field(default_factory=list)
    public: str | None = None
    langue: str | None = None
    age: int | None = None
    gratuit: bool | None = None
    modalite: str | None = None
    niveau_francais: str | None = None
    rayon_km: float = 30
    national: bool = True
    # catalogue only (/api/v1/dispositifs/)
    departement: str | None = None
    region: str | None = None
    structure: int | None = None

    @classmethod
    def from_params(cls, params) -> Filters:
        """Parse and validate query parameters; raises InvalidSearch with a French `detail`."""
        get = params.get
        themes = params.getlist("theme") if hasattr(params, "getlist") else _as_list(get("theme"))
        themes = [t.strip() for item in themes for t in str(item).split(",") if t.strip()]
        known = known_themes()
        unknown = [t for t in themes if t not in known]
        if unknown:
            roots = ", ".join(sorted(s for s, p in known.items() if p is None))
            raise InvalidSearch(f"Thème inconnu : {', '.join(unknown)}. Thèmes connus : {roots} "
                                "(et leurs sous-thèmes « categorie--sous-theme »).", param="theme")
        return cls(
            themes=themes,
            public=_choice(get("public"), Public, "public"),
            langue=_langue(get("langue")),
            age=_number(get("age"), "age", int, 0, 120),
            gratuit=_bool(get("gratuit"), "gratuit"),
            modalite=_choice(get("modalite"), Modalite, "modalite"),
            niveau_francais=_choice(get("niveau_francais"), NiveauFrancais, "niveau_francais"),
            rayon_km=_rayon(get("rayon_km")),
            national=_bool(get("national"), "national", default=True),
            departement=_code(get("departement"), "departement", r"\d{2,3}|2[AB]"),
            region=_code(get("region"), "region", r"\d{2}"),
            structure=_number(get("structure"), "structure", int, 1, 2**62),
        )

    def with_(self, **changes) -> Filters:
        return dataclasses.replace(self, **changes)


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list | tuple) else [value]


def _choice(value, vocabulary, name):
    if not _present(value):
        return None
    found = match(vocabulary, str(value))
    if found is None:
        allowed = ", ".join(c.value for c in vocabulary)
        raise InvalidSearch(f"{name} inconnu : « {value} ». Valeurs possibles : {allowed}.", param=name)
    return found


def _langue(value):
    if not _present(value):
        return None
    code = str(value).strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise InvalidSearch(f"langue : un code ISO 639-1 de 2 lettres est attendu (fr, en, ar, ps…), reçu « {value} ».",
                            param="langue")
    return code


def _number(value, name, kind, low, high):
    if not _present(value):
        return None
    try:
        number = kind(str(value).strip().replace(",", "."))
    except ValueError:
        raise InvalidSearch(f"{name} doit être un nombre entier (reçu « {value} »).", param=name) from None
    if not (low <= number <= high):
        raise InvalidSearch(f"{name} doit être compris entre {low} et {high} (reçu « {value} »).", param=name)
    return number


def _rayon(value) -> float:
    if not _present(value):
        return 30.0
    try:
        rayon = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise InvalidSearch(f"rayon_km doit être un nombre de kilomètres (reçu « {value} »).",
                            param="rayon_km") from None
    if not (0 < rayon <= RAYON_MAX_KM):  # also rejects nan
        raise InvalidSearch(f"rayon_km doit être supérieur à 0 et au plus {RAYON_MAX_KM} km (reçu « {value} »).",
                            param="rayon_km")
    return rayon


def _bool(value, name, default=None):
    if not _present(value):
        return default
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidSearch(f"{name} doit valoir true ou false (reçu « {value} »).", param=name)


def _code(value, name, pattern):
    if not _present(value):
        return None
    code = str(value).strip().upper()
    if not re.fullmatch(pattern, code):
        raise InvalidSearch(f"{name} : code INSEE invalide « {value} ».", param=name)
    return code


def parse_page(params) -> tuple[int, int]:
    """(page, page_size) from query parameters; page_size capped at PAGE_SIZE_MAX."""
    page = _number(params.get("page"), "page", int, 1, 10_000) or 1
    size = _number(params.get("page_size"), "page_size", int, 1, PAGE_SIZE_MAX) or PAGE_SIZE_DEFAULT
    return page, size


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------
@dataclass
class Result:
    dispositif: Dispositif
    portee: str
    distance_m: int | None
    lieu_proche: Lieu | None


class SearchResult:
    """The answer to a search: `count`, `facettes` and pages of `Result` (slicing or `page(n, size)`).

    Each page is one SQL statement (ids, reasons, count and facettes together) plus the loading of
    the page's dispositifs and lieux; a page already read is not read again. Works with Django's
    Paginator (`count`, slicing)."""

    def __init__(self, place: Place, filters: Filters):
        self.place = place
        self.filters = filters
        self._pages: dict[tuple[int, int], list[Result]] = {}
        self._count: int | None = None
        self._facettes: dict | None = None

    @property
    def count(self) -> int:
        if self._count is None:
            self._fetch(0, PAGE_SIZE_DEFAULT)
        return self._count

    def __len__(self) -> int:
        return self.count

    @property
    def facettes(self) -> dict:
        if self._facettes is None:
            self._fetch(0, PAGE_SIZE_DEFAULT)
        return self._facettes

    def page(self, number: int, size: int = PAGE_SIZE_DEFAULT) -> list[Result]:
        size = max(1, min(size, PAGE_SIZE_MAX))
        return self._fetch((max(1, number) - 1) * size, size)

    def __getitem__(self, key):
        if isinstance(key, int):
            rows = self._fetch(key, 1)
            if not rows:
                raise IndexError(key)
            return rows[0]
        start, stop = key.start or 0, key.stop
        limit = PAGE_SIZE_MAX if stop is None else max(0, stop - start)
        return self._fetch(start, min(limit, PAGE_SIZE_MAX)) if limit else []

    def __iter__(self):
        return iter(self.page(1, PAGE_SIZE_MAX))

    def _fetch(self, offset: int, limit: int) -> list[Result]:
        key = (offset, limit)
        if key not in self._pages:
            rows, count, facettes = run_search(self.place, self.filters, offset=offset, limit=limit)
            self._count, self._facettes = count, facettes
            self._pages[key] = _load(rows)
        return self._pages[key]


def search(place: Place, filters: Filters | None = None) -> SearchResult:
    """What is available from `place`: one entry per dispositif with its finest reason (`portee`),
    ordered proximity by distance, then commune/département/région coverage (nearest lieu, then
    title), then national by title. Lazy: the SQL runs when a page, the count or facettes is read."""
    return SearchResult(place, filters or Filters())


def run_search(place: Place, filters: Filters, *, offset: int = 0, limit: int = PAGE_SIZE_DEFAULT):
    """One bounded statement: returns ([(id, rank, distance_m, lieu_id)], count, facettes)."""
    sql, params = recherche_sql.build(place, filters, theme_ids=expand_themes(filters.themes),
                                      offset=offset, limit=limit)
    from django.db.utils import OperationalError

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {int(STATEMENT_TIMEOUT_MS)}")
            cursor.execute(sql, params)
            count, facettes, rows = cursor.fetchone()
    except OperationalError as exc:
        if "statement timeout" in str(exc) or "canceling statement" in str(exc):
            raise SearchTimeout("La recherche a pris trop de temps ; réessayez avec un rayon plus petit "
                                "ou un thème.") from exc
        raise
    return rows or [], count, {"themes": facettes or {}}


def _load(rows) -> list[Result]:
    """The page's dispositifs (with structure and themes) and nearest lieux, in 3 queries."""
    if not rows:
        return []
    dispositifs = Dispositif.objects.select_related("structure").prefetch_related("themes").in_bulk(
        [r[0] for r in rows])
    lieu_ids = [r[3] for r in rows if r[3] is not None]
    lieux = Lieu.objects.select_related("commune").defer("commune__contour").in_bulk(lieu_ids) if lieu_ids else {}
    return [Result(dispositif=dispositifs[r[0]], portee=PORTEES[r[1]],
                   distance_m=None if r[2] is None else int(round(r[2])), lieu_proche=lieux.get(r[3]))
            for r in rows if r[0] in dispositifs]
