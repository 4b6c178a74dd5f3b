"""Opening hours in the OpenStreetMap `opening_hours` syntax (what data·inclusion `horaires_accueil` uses),
read with opening-hours-py: parsing, conversion from what spreadsheets hold, the week and "open now".

The stored value is always the OSM string (`Mo-Fr 09:00-12:00,13:30-17:00; PH off`), so one library
answers "is it open at this time?" for the page, the `ouvert` filter and the exports. Importers call
`normalise()` (any accepted input -> OSM string or None) or `from_day_columns()` (France services style
per-day columns "9:00 - 12:00 / 13:30 - 17:00")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import opening_hours

from territoires.text import fold

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
# French day names (and abbreviations) as spreadsheets write them -> OSM day.
FRENCH_DAYS = {"lundi": "Mo", "lun": "Mo", "mardi": "Tu", "mar": "Tu", "mercredi": "We", "mer": "We",
               "jeudi": "Th", "jeu": "Th", "vendredi": "Fr", "ven": "Fr", "samedi": "Sa", "sam": "Sa",
               "dimanche": "Su", "dim": "Su"}
_TIME = r"(\d{1,2})\s*(?:h|:|H)\s*(\d{2})?"
_RANGE = re.compile(_TIME + r"\s*(?:-|–|—|à|a)\s*" + _TIME)


@lru_cache(maxsize=4096)
def parse(value: str | None) -> opening_hours.OpeningHours | None:
    """The parsed expression, or None when empty or not valid OSM syntax (cached: pages ask often)."""
    if not value or not value.strip():
        return None
    try:
        return opening_hours.OpeningHours(value.strip())
    except (opening_hours.ParserError, SyntaxError, ValueError):
        return None


def is_valid(value: str | None) -> bool:
    return parse(value) is not None


def _ranges(text: str) -> list[str]:
    """ "9h - 12h / 13h30-17h" -> ["09:00-12:00", "13:30-17:00"]."""
    out = []
    for h1, m1, h2, m2 in _RANGE.findall(text):
        start, end = (int(h1), int(m1 or 0)), (int(h2), int(m2 or 0))
        if not (0 <= start[0] <= 24 and 0 <= end[0] <= 24 and start < end):
            continue
        out.append(f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}")
    return out


def from_day_columns(columns: dict[str, str | None]) -> str | None:
    """Per-day spreadsheet columns ({"Lundi": "9:00 - 12:00 / 13:30 - 17:00", "Mardi": "Fermé", ...}) -> OSM.

    Days with the same hours are grouped (Mo-Fr); a day without hours is closed. None when no day has any."""
    per_day: dict[str, str] = {}
    for header, text in columns.items():
        day = FRENCH_DAYS.get(fold(header).strip())
        if day and text:
            ranges = _ranges(str(text))
            if ranges:
                per_day[day] = ",".join(ranges)
    if not per_day:
        return None
    by_hours: dict[str, list[int]] = {}
    for i, day in enumerate(DAYS):
        if day in per_day:
            by_hours.setdefault(per_day[day], []).append(i)
    return "; ".join(f"{_day_list(indexes)} {hours}" for hours, indexes in by_hours.items())


def _day_list(indexes: list[int]) -> str:
    """[0, 1, 2, 4] -> "Mo-We,Fr"."""
    runs: list[list[int]] = []
    for i in indexes:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ",".join(DAYS[r[0]] if len(r) == 1 else
                    (f"{DAYS[r[0]]},{DAYS[r[-1]]}" if len(r) == 2 else f"{DAYS[r[0]]}-{DAYS[r[-1]]}") for r in runs)


def from_french(text: str | None) -> str | None:
    """Free French text ("Lundi et jeudi, 9 h – 12 h", "du lundi au vendredi de 9h à 12h et de 14h à 17h")
    -> OSM, or None when it cannot be read without guessing."""
    if not text:
        return None
    folded = fold(text)
    ranges = _ranges(text)
    if not ranges:
        return None
    span = re.search(r"(?:du\s+)?(\w+)\s+(?:au|a)\s+(\w+)", folded)
    days: list[str] = []
    if span and span.group(1) in FRENCH_DAYS and span.group(2) in FRENCH_DAYS:
        a, b = DAYS.index(FRENCH_DAYS[span.group(1)]), DAYS.index(FRENCH_DAYS[span.group(2)])
        days = DAYS[a:b + 1] if a <= b else []
    else:
        days = [FRENCH_DAYS[w] for w in re.findall(r"[a-z]+", folded) if w in FRENCH_DAYS and len(w) > 3]
    if not days:
        return None
    return from_day_columns({_french_name(d): ",".join(r.replace("-", " - ") for r in ranges) for d in days})


def _french_name(day: str) -> str:
    return next(name for name, osm in FRENCH_DAYS.items() if osm == day and len(name) > 3)


@lru_cache(maxsize=4096)
def normalise(value: str | None) -> str | None:
    """Anything an import may hold -> the OSM string to store, or None (unreadable: keep the text aside)."""
    if not value or not str(value).strip():
        return None
    value = str(value).strip()
    parsed = parse(value)
    if parsed is not None:
        return str(parsed)
    return from_french(value)


@dataclass(frozen=True)
class Status:
    open: bool
    change: dt.datetime | None  # when it closes (open) or opens next (closed), local time


def status(value: str | None, when: dt.datetime) -> Status | None:
    """Open or closed at `when` (a naive local time) and the next change; None without usable hours."""
    parsed = parse(value)
    if parsed is None:
        return None
    try:
        return Status(open=parsed.is_open(when), change=parsed.next_change(when))
    except (ValueError, OverflowError):
        return None


def is_open(value: str | None, when: dt.datetime) -> bool:
    state = status(value, when)
    return bool(state and state.open)


def open_on_day(value: str | None, day: dt.date) -> bool:
    """Open at some time that day."""
    parsed = parse(value)
    if parsed is None:
        return False
    start = dt.datetime.combine(day, dt.time())
    return any(str(state) == "open" for _a, _b, state, _c in parsed.intervals(start, start + dt.timedelta(days=1)))


def week(value: str | None, monday: dt.date) -> list[tuple[int, list[tuple[dt.time, dt.time]]]]:
    """[(weekday 0-6, [(opens, closes)...])...] for the week starting `monday`; [] without usable hours."""
    parsed = parse(value)
    if parsed is None:
        return []
    start = dt.datetime.combine(monday, dt.time())
    days: dict[int, list] = {i: [] for i in range(7)}
    for a, b, state, _comment in parsed.intervals(start, start + dt.timedelta(days=7)):
        if str(state) != "open":
            continue
        while a < b:  # split an interval that runs past midnight
            end_of_day = dt.datetime.combine(a.date() + dt.timedelta(days=1), dt.time())
            stop = min(b, end_of_day)
            closes = stop.time() if stop < end_of_day else dt.time(23, 59)
            days[a.weekday()].append((a.time(), closes))
            a = stop
    return [(i, days[i]) for i in range(7)]
