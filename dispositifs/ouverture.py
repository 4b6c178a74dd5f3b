"""The `ouvert` filter: "open now", "open on Monday", "open on 2026-12-01".

Opening hours are OSM `opening_hours` text read by opening-hours-py (dispositifs/horaires.py), which the
search statement cannot evaluate; so `ouvert` is declared with the other filters (filters.APRES: its
parameter, parsing, French 400 and OpenAPI text) and narrows the first results by id
(dispositifs/apres.py). A dispositif is open when one of its lieux is, by its weekly hours (OSM, or
French text read without guessing), and no temporary closure (horaires.Fermeture: the dispositif, or
that lieu) covers the day. A lieu without readable hours is never said to be open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import horaires
from .parametres import _Param

MAINTENANT = "maintenant"
JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


@dataclass(frozen=True)
class Moment:
    """Open at `when` (a naive local time), or at some time on `day` when `when` is None."""

    day: dt.date
    when: dt.datetime | None = None


def now() -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime().replace(tzinfo=None)


def parse_moment(value: str, *, at: dt.datetime | None = None) -> Moment:
    """`maintenant`, a French day name (its next occurrence, today included) or an ISO date -> Moment.

    Raises ValueError with a French sentence (the API's 400, the page's error)."""
    text = str(value).strip().lower()
    at = at or now()
    if text == MAINTENANT:
        return Moment(day=at.date(), when=at)
    if text in JOURS:
        return Moment(day=at.date() + dt.timedelta(days=(JOURS.index(text) - at.weekday()) % 7))
    try:
        return Moment(day=dt.date.fromisoformat(text))
    except ValueError:
        raise ValueError(f"ouvert : « {value} » n'est pas compris. Valeurs possibles : maintenant, "
                         f"{', '.join(JOURS)} ou une date AAAA-MM-JJ (ex. 2026-12-01).") from None


@extend_schema_field({"anyOf": [{"type": "string", "enum": [MAINTENANT, *JOURS]},
                                {"type": "string", "format": "date"}]})
class Ouvert(_Param, serializers.CharField):
    """The `ouvert` query parameter, parsed into a Moment (blank is absent)."""

    def to_internal_value(self, data):
        try:
            return parse_moment(str(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


def _open(hours: str, moment: Moment) -> bool:
    osm = horaires.normalise(hours)
    try:
        return horaires.is_open(osm, moment.when) if moment.when else horaires.open_on_day(osm, moment.day)
    except (ValueError, OverflowError):  # a date at the edge of the calendar (0001-01-01, 9999-12-31)
        return False


def open_dispositifs(ids: Iterable[int], moment: Moment) -> set[int]:
    """Among `ids`, the dispositifs with a lieu open at `moment` and not closed that day (two queries)."""
    from django.apps import apps

    from .models import Lieu

    ids = list(ids)
    if not ids:
        return set()
    # horaires.Fermeture is read by name: the horaires app depends on dispositifs, not the reverse.
    fermetures = apps.get_model("horaires", "Fermeture").objects.filter(dispositif_id__in=ids).covering(moment.day)
    closed_lieux, closed_dispositifs = set(), set()
    for pk, lieu_id in fermetures.values_list("dispositif_id", "lieu_id"):
        if lieu_id:
            closed_lieux.add(lieu_id)
        else:
            closed_dispositifs.add(pk)
    kept: set[int] = set()
    rows = Lieu.objects.filter(dispositif_id__in=ids).exclude(opening_hours="").values_list(
        "pk", "dispositif_id", "opening_hours")
    for lieu_id, pk, hours in rows:
        if pk not in kept and pk not in closed_dispositifs and lieu_id not in closed_lieux and _open(hours, moment):
            kept.add(pk)
    return kept
