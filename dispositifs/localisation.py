"""Where a search is made from: a place given as coordinates, a commune, a postal code or an address,
resolved to its point, commune, département and région (re-exported by `dispositifs.recherche`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from territoires.models import Commune, Departement, Region
from territoires.querysets import _expand_saint
from territoires.text import fold

from . import validation


class InvalidSearch(Exception):
    """A search the user must correct: `detail` is a French sentence; the API answers 400."""

    def __init__(self, detail: str, *, param: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.param = param


class PlaceNotFound(InvalidSearch):
    """The place given cannot be found in France."""


class PlaceUnknown(PlaceNotFound):
    """A well-formed place that names nothing in France (no commune there, no such code or address):
    the API answers 404, as for any resource that does not exist; a malformed one stays a 400."""


class AmbiguousPlace(PlaceNotFound):
    """A name several communes carry, or a typo close to several: the person picks one.

    `candidats` (most populous first) are offered as links on the web page and listed in the API's 400."""

    def __init__(self, detail: str, *, candidats: list[Commune], param: str | None = None, homonyms: bool = True):
        super().__init__(detail, param=param)
        self.candidats = candidats
        self.homonyms = homonyms  # False: no exact name, the candidates are close spellings (a typo?)

    def candidats_data(self) -> list[dict]:
        return [{"code": c.code, "nom": c.nom, "code_postal": (c.codes_postaux or [""])[0],
                 "departement": {"code": c.departement_id, "nom": c.departement.nom}} for c in self.candidats]


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


class DeferredPlace:
    """A commune given by its INSEE code, or a point (`lat`/`lon`), read by the search statement itself
    (`recherche_locale`, which locates a point by the rules of `CommuneQuerySet.locate`): one round trip
    instead of commune queries planned per request. Once a search has run, `data` holds what the statement
    read (point at full precision, commune, département, région), `as_dict()` answers like a Place's and
    `resolved` is the Place. A place naming no commune is a PlaceUnknown raised by the search (`unknown()`),
    in the words `resolve_place` uses."""

    def __init__(self, code: str | None, text: str = "", *, lat: float | None = None, lon: float | None = None):
        self.code, self.text, self.lat, self.lon = code, text, lat, lon
        self.data: dict | None = None

    @classmethod
    def at(cls, lat: float, lon: float) -> DeferredPlace:
        return cls(None, lat=lat, lon=lon)

    @cached_property
    def resolved(self) -> Place:
        data = self.data
        commune, departement, region = data["commune"], data["departement"], data["region"]
        return Place(point=Point(data["lon"], data["lat"], srid=4326),
                     commune=Commune(code=commune["code"], nom=commune["nom"], departement_id=departement["code"],
                                     region_id=region["code"]),
                     departement=Departement(code=departement["code"], nom=departement["nom"]),
                     region=Region(code=region["code"], nom=region["nom"]), label=self._label())

    def _label(self) -> str:   # as _place() writes it
        if self.code is None:
            return self.data["commune"]["nom"]
        return f"{self.data['commune']['nom']} ({self.data['departement']['code']})"

    def unknown(self) -> PlaceUnknown:
        return _unknown_code(self.text) if self.code is not None else _unknown_point(self.lat, self.lon)

    def as_dict(self) -> dict:
        """Place.as_dict() without building the Place (model instances and a GEOS point cost more than the rest)."""
        data = self.data
        return {"lat": round(data["lat"], 6), "lon": round(data["lon"], 6), "label": self._label(),
                "commune": data["commune"], "departement": data["departement"], "region": data["region"]}


def _unknown_point(lat: float, lon: float) -> PlaceUnknown:
    return PlaceUnknown(f"Aucune commune française à cet endroit (lat={lat}, lon={lon}). "
                        "Vérifiez l'ordre lat/lon ou indiquez une commune.")


def _unknown_code(text: str) -> PlaceUnknown:
    return PlaceUnknown(f"Aucune commune n'a le code INSEE « {text} ». "
                        "Cherchez-la par son nom avec /api/v1/territoires/communes/?q=", param="commune")


def _place(commune: Commune, point: Point | None = None, label: str | None = None) -> Place:
    return Place(point=point or commune.centre, commune=commune, departement=commune.departement,
                 region=commune.region, label=label or f"{commune.nom} ({commune.departement_id})")


def _communes():
    return Commune.objects.select_related("departement", "region").defer(
        "contour", "departement__contour", "region__contour")


def resolve_place(*, lat=None, lon=None, commune=None, code_postal=None, adresse=None,
                  deferred: bool = False) -> Place | DeferredPlace:
    """Return the point, commune, département and région of a place given in one of four ways.

    `lat`/`lon`: the commune containing the point (subdivided contours, PostGIS). `commune`: an
    INSEE code (a name is accepted too). `code_postal`: the most populous commune with that code.
    `adresse`: free text; offline, a postal code and/or a commune name found in it; through the
    Base Adresse Nationale first when settings.GEOCODER == "ban".
    Raises PlaceNotFound (a French sentence for the user); the API turns it into a 400.
    `deferred`: an INSEE code or a point is returned as a DeferredPlace, for the search statement to read.
    """
    given = [name for name, v in (("lat/lon", lat if lat is not None else lon), ("commune", commune),
                                  ("code_postal", code_postal), ("adresse", adresse)) if is_given(v)]
    if not given:
        raise PlaceNotFound("Indiquez un lieu : lat et lon, commune (code INSEE), code_postal ou adresse.")
    if len(given) > 1:
        raise PlaceNotFound(f"Indiquez un seul lieu à la fois (reçu : {', '.join(given)}).")
    if given[0] == "lat/lon":
        lat, lon = _coordinate(lat, "lat", -90, 90), _coordinate(lon, "lon", -180, 180)
        return DeferredPlace.at(lat, lon) if deferred else _from_point(lat, lon)
    if given[0] == "commune":
        return _from_commune(str(commune).strip(), deferred=deferred)
    if given[0] == "code_postal":
        return _from_postal_code(str(code_postal).strip())
    return _from_address(str(adresse).strip())


def is_given(value) -> bool:
    return value is not None and str(value).strip() != ""


def _coordinate(value, name: str, low: float, high: float) -> float:
    if not is_given(value):
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
        raise _unknown_point(lat, lon)
    return _place(commune, point, label=commune.nom)


def _from_commune(text: str, *, deferred: bool = False) -> Place | DeferredPlace:
    try:
        code = validation.normalise_insee(text)
    except ValidationError:
        code = None
    if code and deferred:
        return DeferredPlace(code, text)
    if code:
        found = _communes().filter(code=code).first()
        if found is None:
            raise _unknown_code(text)
        return _place(found)
    return _place(commune_named(text))


# ---- Places are never guessed (issue #14): a name shared by several communes, or a typo close to several,
# raises AmbiguousPlace with the candidates; only a single match is taken. ----
MAX_CANDIDATS = 12
_QUALIFIED = re.compile(r"^(?P<name>.*?)[\s,]*\(?\s*(?P<code>\d{5}|\d{2,3}|2[AaBb])\s*\)?\s*$")


def commune_named(text: str, *, param: str = "commune") -> Commune:
    """The one commune a name designates. "Saint-Denis (93)" or "Saint-Denis 93200" narrows a shared name by
    département or postal code. Several exact homonyms, or no exact name but several close ones (a typo),
    raise AmbiguousPlace; nothing close raises PlaceNotFound."""
    name, code = text, ""
    qualified = _QUALIFIED.match(text)
    if qualified and qualified.group("name").strip():
        name, code = qualified.group("name").strip(), qualified.group("code").upper()
    key = _expand_saint(fold(name))
    communes = _communes()
    if code:
        communes = (communes.with_postal_code(code) if len(code) == 5 else communes.filter(departement_id=code))
    exact = list(communes.filter(nom_normalise=key).order_by("-population")[:MAX_CANDIDATS])
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise AmbiguousPlace(f"Plusieurs communes s'appellent « {name} » : précisez laquelle (code INSEE, "
                             "code postal, ou « nom (département) »).", candidats=exact, param=param)
    close = list(communes.search(name)[:MAX_CANDIDATS])
    if len(close) == 1:
        return close[0]
    if close:
        raise AmbiguousPlace(f"Aucune commune ne s'appelle exactement « {text} » : choisissez parmi les "
                             "communes proches de ce nom.", candidats=close, param=param,
                             homonyms=False)
    raise PlaceUnknown(f"Commune introuvable : « {text} ». Indiquez son code INSEE ou son code postal.", param=param)
# ---- end of the ambiguity handling ----


def _from_postal_code(text: str) -> Place:
    try:
        code = validation.normalise_postal_code(text)
    except ValidationError:
        code = ""
    if not code:
        raise PlaceNotFound(f"Code postal invalide : « {text} » (5 chiffres, par exemple 21000).")
    found = _communes().with_postal_code(code).order_by("-population").first()
    if found is None:
        raise PlaceUnknown(f"Aucune commune n'a le code postal {code}.")
    return _place(found, label=f"{found.nom} ({code})")


_POSTAL = re.compile(r"(?<!\d)(\d{5}|\d{2} \d{3})(?!\d)")


def _from_address(text: str) -> Place:
    if getattr(settings, "GEOCODER", "offline") == "ban":
        place = _from_ban(text)
        if place is not None:
            return place
    found = _commune_in_text(text)
    if found is None:
        raise PlaceUnknown(f"Adresse introuvable : « {text} ». Ajoutez le code postal ou le nom de la commune.")
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
    best = max(len(c.nom_normalise) for c in candidates)
    named = [c for c in candidates if len(c.nom_normalise) == best]
    if len({c.nom_normalise for c in named}) == 1 and len(named) > 1:  # homonyms, no postal code: never guess
        raise AmbiguousPlace(f"Plusieurs communes s'appellent « {named[0].nom} » : ajoutez le code postal.",
                             candidats=named[:MAX_CANDIDATS], param="adresse")
    return max(named, key=lambda c: c.population)


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


def resolve_place_from_params(params, *, deferred: bool = False) -> Place | DeferredPlace:
    """`resolve_place` from query parameters (a QueryDict or a dict)."""
    return resolve_place(**{k: params.get(k) for k in ("lat", "lon", "commune", "code_postal", "adresse")},
                         deferred=deferred)
