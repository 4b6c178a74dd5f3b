"""Address geocoding with the Base Adresse Nationale (geopy's BANFrance), only when
settings.GEOCODER == "ban". Every answer (found or not) is cached in the database; a network
failure leaves the offline result (the commune centre) in place with a warning, and after a few
consecutive failures the run stops asking so a dead network costs seconds, not minutes.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings

from territoires.text import fold

from .models import GeocodeCache
from .report import WARNING, Problem

log = logging.getLogger(__name__)
MAX_CONSECUTIVE_FAILURES = 3
MIN_SCORE = 0.5
PRECISION = {"housenumber": "adresse", "street": "rue", "locality": "rue"}


def ban_enabled() -> bool:
    return getattr(settings, "GEOCODER", "offline") == "ban"


def cache_key(query: str) -> str:
    return fold(query)[:400]


def _geocoder():
    from geopy.geocoders import BANFrance

    url = urlsplit(settings.BAN_URL)
    domain = (url.netloc + url.path).rstrip("/")
    return BANFrance(domain=domain, scheme=url.scheme or "https", timeout=settings.BAN_TIMEOUT,
                     user_agent="annuaire-import")


def geocode_candidates(candidates, *, address_label: str = "adresse") -> list[Problem]:
    """Refine each lieu (a dispositif may have several) that has an address; returns the warnings
    to report, each on the line of the row that gave the lieu."""
    todo = [lieu for c in candidates for lieu in c.lieux if lieu["query"] and lieu["precision"] == "commune"]
    if not todo:
        return []
    keys = {cache_key(lieu["query"]) for lieu in todo}
    cached = {g.query: g for g in GeocodeCache.objects.filter(query__in=keys)}
    geocoder, failures, down_reason = None, 0, ""
    new_entries: dict[str, GeocodeCache] = {}
    problems: list[Problem] = []
    for lieu in todo:
        key = cache_key(lieu["query"])
        entry = cached.get(key) or new_entries.get(key)
        if entry is None:
            if failures >= MAX_CONSECUTIVE_FAILURES:
                problems.append(Problem(lieu["line"], address_label, lieu["address"],
                                        f"géocodeur BAN indisponible ({down_reason}) : position de la commune "
                                        "utilisée", WARNING))
                continue
            geocoder = geocoder or _geocoder()
            try:
                location = geocoder.geocode(lieu["query"], exactly_one=True, limit=1)
            except Exception as e:  # geopy raises GeocoderServiceError, GeocoderTimedOut, ... — all mean "down"
                failures += 1
                down_reason = type(e).__name__
                log.warning("BAN: %s for %r", e, lieu["query"])
                problems.append(Problem(lieu["line"], address_label, lieu["address"],
                                        f"géocodeur BAN indisponible ({down_reason}) : position de la commune "
                                        "utilisée", WARNING))
                continue
            failures = 0
            entry = _entry(key, location)
            new_entries[key] = entry
        _apply(lieu, entry, problems, address_label)
    if new_entries:
        GeocodeCache.objects.bulk_create(new_entries.values(), ignore_conflicts=True)
    return problems


def _entry(key, location) -> GeocodeCache:
    if location is None:
        return GeocodeCache(query=key, found=False)
    props = (location.raw or {}).get("properties", {})
    return GeocodeCache(query=key, found=True, lon=location.longitude, lat=location.latitude,
                        score=props.get("score"), kind=props.get("type", ""), citycode=props.get("citycode", ""),
                        label=props.get("label", "")[:400])


def _apply(lieu: dict, entry: GeocodeCache, problems: list, address_label: str) -> None:
    line = lieu["line"]
    if not entry.found:
        problems.append(Problem(line, address_label, lieu["address"],
                                "adresse non trouvée par la BAN : position de la commune utilisée", WARNING))
        return
    commune = lieu["commune"]
    if entry.citycode and entry.citycode != commune.code and not entry.citycode.startswith(
            {"75056": "751", "69123": "6938", "13055": "132"}.get(commune.code, "~")):
        problems.append(Problem(line, address_label, lieu["address"],
                                f"la BAN situe cette adresse dans une autre commune ({entry.label}) : "
                                "position de la commune utilisée", WARNING))
        return
    if (entry.score or 0) < MIN_SCORE or entry.kind not in PRECISION:
        problems.append(Problem(line, address_label, lieu["address"],
                                f"adresse trouvée avec une faible précision par la BAN ({entry.label}, "
                                f"score {entry.score or 0:.2f}) : position de la commune utilisée", WARNING))
        return
    lieu["lon"], lieu["lat"], lieu["precision"] = entry.lon, entry.lat, PRECISION[entry.kind]
