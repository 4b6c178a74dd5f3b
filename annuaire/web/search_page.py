"""The results page's reading of its form: which place, which filters, which page.

The search itself is `dispositifs.recherche` (the same as /api/v1/recherche/); this module only
maps the web form onto it and groups one page of results by reason for the template.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from dispositifs.apres import search  # the search, narrowed by `ouvert` when given (filters.APRES)
from dispositifs.localisation import AmbiguousPlace
from dispositifs.ouverture import JOURS, MAINTENANT
from dispositifs.recherche import (
    InvalidSearch,
    Place,
    PlaceNotFound,
    known_themes,
    parse_filters,
    resolve_place,
)
from territoires.models import Commune

PAGE_SIZE = 20
RAYONS_KM = [5, 10, 30, 50, 100, 200]

# portée -> the heading of its group, in the order the search returns them.
GROUPS = {
    "proximite": _("À proximité"),
    "commune": _("Couvre votre commune"),
    "departement": _("Couvre votre département"),
    "region": _("Couvre votre région"),
    "national": _("National / à distance"),
}
GROUP_ICONS = {"proximite": "fr-icon-map-pin-2-line", "commune": "fr-icon-community-line",
               "departement": "fr-icon-road-map-line", "region": "fr-icon-road-map-line",
               "national": "fr-icon-earth-line"}


def place_from_form(params) -> Place | None:
    """The place the person asked about, or None when the form is empty.

    `lieu` is what they typed; `commune` or `lat`/`lon` are what the autocomplete, the position
    button or the previous page resolved, valid only while `lieu` still reads `place_label`
    (someone who retypes the town without JavaScript must not keep the old one). The API's
    parameter names (`code_postal`, `adresse`) are accepted too."""
    lieu = (params.get("lieu") or "").strip()
    unchanged = not lieu or lieu == (params.get("place_label") or "").strip()
    if unchanged and params.get("lat") and params.get("lon"):
        return resolve_place(lat=params.get("lat"), lon=params.get("lon"))
    if unchanged and params.get("commune"):
        return resolve_place(commune=params.get("commune"))
    for name in ("code_postal", "adresse"):
        if not lieu and params.get(name):
            return resolve_place(**{name: params.get(name)})
    if not lieu:
        return None
    if re.fullmatch(r"\d{5}|\d{2} \d{3}", lieu):
        return resolve_place(code_postal=lieu.replace(" ", ""))
    try:
        return resolve_place(commune=lieu)
    except AmbiguousPlace as ambiguous:
        if ambiguous.homonyms:
            raise
        try:  # no commune has that exact name: maybe an address with its postal code or commune in it
            return resolve_place(adresse=lieu)
        except PlaceNotFound:
            raise ambiguous from None
    except PlaceNotFound:
        return resolve_place(adresse=lieu)


def suggestions(text: str, limit: int = 6):
    """Communes whose name looks like what was typed, for a "did you mean" list."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    return list(Commune.objects.search(text).only("code", "nom", "departement_id", "codes_postaux")[:limit])


@dataclass
class Group:
    portee: str
    title: str
    icon: str
    results: list = field(default_factory=list)


def group_by_portee(results) -> list[Group]:
    groups: dict[str, Group] = {}
    for result in results:
        group = groups.get(result.portee)
        if group is None:
            group = groups[result.portee] = Group(result.portee, str(GROUPS.get(result.portee, result.portee)),
                                                  GROUP_ICONS.get(result.portee, ""))
        group.results.append(result)
    return list(groups.values())


def theme_facets(facettes: dict, selected: list[str]) -> list[dict]:
    """Categories with results (most first), plus whatever the person already selected."""
    parents = known_themes()
    counts = facettes.get("themes", {}) if facettes else {}
    shown = [slug for slug, n in counts.items() if n and parents.get(slug) is None]
    shown.sort(key=lambda s: (-counts[s], s))
    shown += [s for s in selected if s not in shown]
    return [{"slug": s, "count": counts.get(s, 0), "checked": s in selected} for s in shown]


def facettes_for_switching(place, filters, result) -> dict:
    """Theme counts as if no theme were chosen, so the person can switch from one theme to another in
    one tap (the counts of the filtered search would show only the chosen ones). One more bounded
    statement, only when a theme is chosen."""
    if not filters.themes:
        return result.facettes
    return search(place, filters.with_(themes=[])).facettes


def ouvert_choices() -> list[tuple[str, str]]:
    """The `ouvert` select: "now", then the days of the week in the page language."""
    from django.utils.dates import WEEKDAYS
    from django.utils.translation import gettext

    return [(MAINTENANT, gettext("Ouvert maintenant"))] + [(day, str(WEEKDAYS[i]).capitalize())
                                                          for i, day in enumerate(JOURS)]


def wider_radius(rayon_km: float) -> int | None:
    """The next radius to offer in one tap when little is near; None at the maximum."""
    return next((step for step in (30, 100, 200) if step > rayon_km), None)


def run(params):
    """Everything the results page shows for a query string; exceptions are the search's own."""
    place = place_from_form(params)
    filters = parse_filters(params)   # the API's parsing (dispositifs/filters.py)
    if place is None:
        return None, filters, None
    return place, filters, search(place, filters)


__all__ = ["AmbiguousPlace", "InvalidSearch", "PlaceNotFound", "run", "group_by_portee", "theme_facets", "suggestions",
           "ouvert_choices", "wider_radius", "PAGE_SIZE", "RAYONS_KM"]
