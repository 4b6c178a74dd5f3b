"""Opening hours in the OpenStreetMap `opening_hours` syntax (what data·inclusion `horaires_accueil` uses),
read with opening-hours-py: parsing, conversion from what spreadsheets hold, the week and "open now".

The stored value is always the OSM string (`Mo-Fr 09:00-12:00,13:30-17:00; PH off`), so one library
answers "is it open at this time?" for the page, the `ouvert` filter and the exports. Importers call
`normalise()` (any accepted input -> OSM string or None) or `from_day_columns()` (France services style
per-day columns "9:00 - 12:00 / 13:30 - 17:00")."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
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
        if not (start < end <= (24, 0) and start[1] < 60 and end[1] < 60):
            continue
        out.append(f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}")
    return out


# Words that carry no hours and change nothing ("de 9h à 12h", "le lundi", "et", "fermé"): any other word in
# the text (« sur rendez-vous », « sauf », « le 1er samedi du mois ») means the text says more than a week of
# hours can, so it is kept as written rather than converted.
_FILLER = {"de", "du", "des", "au", "a", "et", "le", "les", "l", "la", "h", "puis", "horaires", "ouvert", "ouverte",
           "ouverture", "ferme", "fermee", "fermes", "fermees", "jour", "jours", "tous", "inclus"}
_CLOSED = {"ferme", "fermee", "fermes", "fermees"}
_TOKENS = re.compile(rf"(?P<range>{_TIME}\s*(?:-|–|—|à|a)\s*{_TIME})|(?P<dash>[-–—])|(?P<word>[^\W\d_]+)|(?P<digit>\d)")
_FULL_DAYS = {name + plural: osm for name, osm in FRENCH_DAYS.items() if len(name) > 3 for plural in ("", "s")}
# "à" lost to an encoding accident: U+FFFD, or its UTF-8 bytes read as Windows-1252 (a real sample has
# "Lundi ï¿½ vendredi 9h ï¿½ 12h"); between two days or two times it can only have been "à".
_LOST_A = re.compile(r"\s(?:\ufffd|ï¿½)\s")


def _tokens(text: str):
    """("range", "09:00-12:00") | ("day", 0-6) | ("to", None) | ("closed", None); None on a word that says more."""
    text = _LOST_A.sub(" à ", text.lower())
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    out = []
    for m in _TOKENS.finditer(folded):
        kind = m.lastgroup
        word = m.group()
        if kind == "range":
            ranges = _ranges(word)
            if ranges:
                out.append(("range", ranges[0]))
            elif not re.fullmatch(r"0?0\s*[h:]\s*(00)?\s*\W\s*0?0\s*[h:]\s*(00)?", word):  # "00:00 - 00:00": none
                return None
        elif kind == "dash" or word in {"au", "a"}:
            out.append(("to", None))
        elif word in _FULL_DAYS:
            out.append(("day", DAYS.index(_FULL_DAYS[word])))
        elif word in _CLOSED:
            out.append(("closed", None))
        elif kind != "word" or word not in _FILLER:
            return None
    if "tous les jours" in folded:
        out = [("day", i) for i in range(7)] + out
    return out


def _osm(per_day: dict[int, list[str]]) -> str | None:
    """{weekday: ["09:00-12:00", ...]} -> "Mo-We 09:00-12:00; Fr 14:00-17:00"; None when no day has hours."""
    by_hours: dict[str, list[int]] = {}
    for i in range(7):
        if per_day.get(i):
            by_hours.setdefault(",".join(dict.fromkeys(per_day[i])), []).append(i)
    return "; ".join(f"{_day_list(indexes)} {hours}" for hours, indexes in by_hours.items()) or None


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


def from_day_columns(columns: dict[str, str | None]) -> str | None:
    """Per-day spreadsheet columns ({"Lundi": "9:00 - 12:00 / 13:30 - 17:00", "Mardi": "Fermé", ...}) -> OSM.

    Days with the same hours are grouped (Mo-Fr); an empty or « fermé » day is closed. None when no day has
    hours, or when a cell says more than hours (« sur rendez-vous »): the caller keeps the text."""
    per_day: dict[int, list[str]] = {}
    for header, text in columns.items():
        day = FRENCH_DAYS.get(fold(header).strip())
        if day is None or not text or not str(text).strip(" -–—"):  # "-": closed
            continue
        tokens = _tokens(str(text))  # a dash between two ranges separates them ("09:00-12:00-14:00-17:00")
        if tokens is None or any(kind == "day" for kind, _ in tokens):
            return None
        ranges = list(dict.fromkeys(value for kind, value in tokens if kind == "range"))  # the same slot twice
        if any(a[6:] > b[:5] for a, b in zip(ranges, ranges[1:], strict=False)):
            return None  # overlapping or out of order: a typo, not guessed
        per_day[DAYS.index(day)] = ranges
    return _osm(per_day)


def from_french(text: str | None) -> str | None:
    """Free French text -> OSM, or None when it cannot be read without guessing. Reads groups of days (a list
    "lundi et jeudi", a span "du lundi au vendredi", "lundi-vendredi", "tous les jours") each followed by its
    hours ("Lundi 14h-17h ; mardi au vendredi 9h-12h/14h-17h"), or hours then days ("9h-12h le lundi");
    a group of days without hours is closed only when the text says « fermé »."""
    tokens = _tokens(text or "")
    if not tokens:
        return None
    segments: list[tuple[list[int], list[str]]] = []
    days: list[int] = []
    ranges: list[str] = []
    to = hours_first = False
    for kind, value in tokens:
        if kind == "day":
            if to:
                if not days or value <= days[-1]:
                    return None
                days.extend(range(days[-1] + 1, value + 1))
                to = False
            elif ranges and days and not hours_first:  # a new group of days
                segments.append((days, ranges))
                days, ranges = [value], []
            else:
                hours_first = hours_first or bool(ranges and not days)
                days.append(value)
        elif kind == "to":
            to = bool(days) and not ranges
        elif kind == "range":
            if to or (hours_first and days):
                return None
            ranges.append(value)
    segments.append((days, ranges))
    closed = any(kind == "closed" for kind, _ in tokens)
    per_day: dict[int, list[str]] = {}
    for group_days, group_ranges in segments:
        if not group_days or (not group_ranges and not closed):
            return None  # hours without days, or days without hours: not guessed
        for day in group_days:
            per_day.setdefault(day, []).extend(group_ranges)
    return _osm(per_day)


@lru_cache(maxsize=4096)
def normalise(value: str | None) -> str | None:
    """Anything an import may hold -> the OSM string to store, or None (unreadable: keep the text aside)."""
    if not value or not str(value).strip():
        return None
    value = str(value).strip()
    parsed = parse(value) or parse(from_french(value))
    return None if parsed is None else str(parsed)


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
