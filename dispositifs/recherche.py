""""What is available near me": search filters and the search service (places: `localisation`).

    place = resolve_place(code_postal="21300")            # or lat/lon, commune, adresse
    filters = Filters.from_params(request.GET)            # raises InvalidSearch (-> 400)
    result = search(place, filters)
    result.count, result.facettes, result.page(1, 20)     # each item: dispositif, portee, distance_m, lieu_proche

The rules are DESIGN.md §4; `DispositifQuerySet.reachable_from()` states them in ORM terms and
`recherche_sql` runs them from the indexes (see there why raw SQL): one statement for the local
part (proximity, commune, département, région) and, once per filter set and minute, one for the
national slice, which is the same for every place.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from django.contrib.gis.db.models.functions import Distance
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.db.utils import OperationalError

from . import recherche_sql
from .localisation import InvalidSearch, Place, PlaceNotFound, is_given, resolve_place, resolve_place_from_params
from .models import Dispositif, Lieu, Theme
from .querysets import PORTEES
from .vocabulaires import Modalite, NiveauFrancais, Public, match

__all__ = ["Filters", "InvalidSearch", "Place", "PlaceNotFound", "Result", "SearchResult", "SearchTimeout",
           "known_themes", "parse_page", "resolve_place", "resolve_place_from_params", "search"]

RAYON_MAX_KM = 200
PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100
STATEMENT_TIMEOUT_MS = 2000
CACHE_SECONDS = 60


class SearchTimeout(Exception):
    """The database did not answer within the statement timeout (the API answers 503)."""


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
    if not is_given(value):
        return None
    found = match(vocabulary, str(value))
    if found is None:
        allowed = ", ".join(c.value for c in vocabulary)
        raise InvalidSearch(f"{name} inconnu : « {value} ». Valeurs possibles : {allowed}.", param=name)
    return found


def _langue(value):
    if not is_given(value):
        return None
    code = str(value).strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise InvalidSearch(f"langue : un code ISO 639-1 de 2 lettres est attendu (fr, en, ar, ps…), reçu « {value} ».",
                            param="langue")
    return code


def _number(value, name, kind, low, high):
    if not is_given(value):
        return None
    try:
        number = kind(str(value).strip().replace(",", "."))
    except ValueError:
        raise InvalidSearch(f"{name} doit être un nombre entier (reçu « {value} »).", param=name) from None
    if not (low <= number <= high):
        raise InvalidSearch(f"{name} doit être compris entre {low} et {high} (reçu « {value} »).", param=name)
    return number


def _rayon(value) -> float:
    if not is_given(value):
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
    if not is_given(value):
        return default
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidSearch(f"{name} doit valoir true ou false (reçu « {value} »).", param=name)


def _code(value, name, pattern):
    if not is_given(value):
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
    themes: list[Theme] = field(default_factory=list)   # the dispositif's themes (slug, label), Theme order


@dataclass
class Answer:
    """One page as the database gives it: rows (id, rank in PORTEES, distance in m, lieu id)."""

    rows: list
    count: int
    facettes: dict


class SearchResult:
    """The answer to a search: `count`, `facettes` and pages of `Result` (slicing or `page(n, size)`).

    A page costs the local statement, the national slice (usually cached) and the loading of its
    dispositifs and lieux; a page already read is not read again. Works with Django's Paginator."""

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
        """The first PAGE_SIZE_MAX results (a public query is never unbounded); page() for more."""
        return iter(self.page(1, PAGE_SIZE_MAX))

    def _fetch(self, offset: int, limit: int) -> list[Result]:
        key = (offset, limit)
        if key not in self._pages:
            answer = run_search(self.place, self.filters, offset=offset, limit=limit)
            self._count, self._facettes = answer.count, answer.facettes
            self._pages[key] = _load(answer.rows, self.place)
        return self._pages[key]


def search(place: Place, filters: Filters | None = None) -> SearchResult:
    """What is available from `place`: one entry per dispositif with its finest reason (`portee`),
    ordered proximity by distance, then commune/département/région coverage (nearest lieu, then
    title), then national by title. Lazy: the SQL runs when a page, the count or facettes is read."""
    return SearchResult(place, filters or Filters())


def run_search(place: Place, filters: Filters, *, offset: int = 0, limit: int = PAGE_SIZE_DEFAULT) -> Answer:
    """The page [offset, offset + limit) of the ordered answer: local rows first, then national ones."""
    theme_ids = expand_themes(filters.themes)
    sql, params = recherche_sql.build_local(place, filters, theme_ids=theme_ids, offset=offset, limit=limit)
    count, facettes, rows, local_nationals = _bounded(sql, params)
    facettes, rows = facettes or {}, rows or []
    if not filters.national:
        return Answer(rows, count, {"themes": _by_count(facettes)})
    national_ids, national_facettes = national_slice(filters, theme_ids)
    already = set(local_nationals)   # national ones matched closer: they keep their finer reason
    for slug, n in national_facettes.items():
        facettes[slug] = facettes.get(slug, 0) + n
    if offset + limit > count:
        start, wanted = max(0, offset - count), offset + limit - max(offset, count)
        rest = (i for i in national_ids if i not in already)
        rows += [[i, 4, None, None] for _, i in zip(range(start + wanted), rest, strict=False)][start:]
    return Answer(rows, count + len(national_ids) - len(already), {"themes": _by_count(facettes)})


def _by_count(facettes: dict) -> dict:
    """Most frequent themes first, so a reader sees "12 cours de français, 5 formations" at once."""
    return dict(sorted(facettes.items(), key=lambda item: (-item[1], item[0])))


def _bounded(sql: str, params: dict):
    """One statement under a statement timeout. Without parallel workers (they cost more than
    they save on a few-millisecond query and starve the other requests) and without bitmap scans
    (the planner would AND the lieux' GiST box into every per-dispositif probe, 100x slower)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {int(STATEMENT_TIMEOUT_MS)}; "
                           "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_bitmapscan = off")
            cursor.execute(sql, params)
            return cursor.fetchone()
    except OperationalError as exc:
        if "statement timeout" in str(exc) or "canceling statement" in str(exc):
            raise SearchTimeout("La recherche a pris trop de temps ; réessayez avec un rayon plus petit "
                                "ou un thème.") from exc
        raise


# The national slice per filter set: the same for every place, read by every search. Kept a
# minute per process, and dropped as soon as this process writes a dispositif (other processes,
# e.g. an import command, are seen within the minute).
_national_cache: OrderedDict = OrderedDict()
_national_lock = threading.Lock()
_generation = [0]


def national_slice(filters: Filters, theme_ids: list[str]) -> tuple[list[int], dict]:
    """(ids of the national dispositifs passing the filters, by title; their facettes)."""
    key = (_generation[0], connection.settings_dict["NAME"], tuple(theme_ids), filters.public, filters.langue,
           filters.age, filters.gratuit, filters.modalite, filters.niveau_francais, time.strftime("%Y-%m-%d"))
    now = time.monotonic()
    with _national_lock:
        hit = _national_cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1], hit[2]
    sql, params = recherche_sql.build_national(filters, theme_ids=theme_ids)
    ids, facettes = _bounded(sql, params)
    with _national_lock:
        _national_cache[key] = (now, list(ids or []), facettes or {})
        while len(_national_cache) > 256:
            _national_cache.popitem(last=False)
    return list(ids or []), facettes or {}


def clear_caches(**_kwargs):
    """Forget the cached national slices and theme vocabulary (on any write of this process)."""
    _generation[0] += 1
    with _national_lock:
        _national_cache.clear()
    _THEMES_CACHE["at"] = 0.0


for _signal in (post_save, post_delete):
    _signal.connect(clear_caches, sender=Dispositif, dispatch_uid=f"recherche-{_signal}-dispositif")
    _signal.connect(clear_caches, sender=Theme, dispatch_uid=f"recherche-{_signal}-theme")
m2m_changed.connect(clear_caches, sender=Dispositif.themes.through, dispatch_uid="recherche-m2m-themes")


_DISPOSITIF_FIELDS = ("id", "title", "summary", "free", "modality", "structure__id", "structure__name")
_LIEU_FIELDS = ("id", "dispositif_id", "name", "address", "postal_code", "point", "commune__code", "commune__nom")


def _load(rows, place: Place) -> list[Result]:
    """The page's dispositifs (with structure), themes and nearest lieux in 3 queries, only the columns
    a result shows (api.serializers.result_data; others load on access). Themes as rows, not a prefetch:
    a prefetch builds a related manager per dispositif, which cost more than the three queries."""
    if not rows:
        return []
    ids = [r[0] for r in rows]
    dispositifs = Dispositif.objects.select_related("structure").only(*_DISPOSITIF_FIELDS).in_bulk(ids)
    themes: dict[int, list[Theme]] = {}
    through = (Dispositif.themes.through.objects.filter(dispositif_id__in=ids)
               .order_by("theme__parent_id", "theme__position", "theme_id"))
    for pk, slug, label in through.values_list("dispositif_id", "theme_id", "theme__label"):
        themes.setdefault(pk, []).append(Theme(slug=slug, label=label))
    lieu_ids = [r[3] for r in rows if r[3] is not None]
    nationals = [r[0] for r in rows if r[3] is None and r[1] == 4]
    nearest: dict[int, Lieu] = {}
    if nationals:
        lieux = (Lieu.objects.filter(Q(pk__in=lieu_ids) | Q(dispositif_id__in=nationals))
                 .select_related("commune").only(*_LIEU_FIELDS)
                 .annotate(distance=Distance("point", place.point)).order_by("distance"))
    else:   # every nearest lieu is known: no distance to compute
        lieux = Lieu.objects.filter(pk__in=lieu_ids).select_related("commune").only(*_LIEU_FIELDS) if lieu_ids else []
    for lieu in lieux:
        nearest.setdefault(lieu.dispositif_id, lieu)
    results = []
    for pk, rank, distance, _lieu_id in rows:
        if pk not in dispositifs:
            continue
        lieu = nearest.get(pk)
        if distance is None and lieu is not None:
            distance = lieu.distance.m
        results.append(Result(dispositif=dispositifs[pk], portee=PORTEES[rank], lieu_proche=lieu,
                              distance_m=None if distance is None else int(round(distance)),
                              themes=themes.get(pk, [])))
    return results
