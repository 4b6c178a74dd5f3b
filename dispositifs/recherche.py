""""What is available near me": the search service (filters: `filters`, places: `localisation`).

    place = resolve_place(code_postal="21300")            # or lat/lon, commune, adresse
    filters = Filters.from_params(request.GET)            # raises InvalidSearch (-> 400)
    result = search(place, filters)
    result.count, result.facettes, result.page(1, 20)     # each item: dispositif, portee, distance_m, lieu_proche

The rules are in docs/ARCHITECTURE.md ("The rules"); `DispositifQuerySet.reachable_from()` states them in ORM terms and
`recherche_sql` runs them from the side tables' indexes (docs/ARCHITECTURE.md, "The search path"):
one statement per page that reads the place, runs the local part (proximity, commune, département,
région), writes the page's results as JSON (national ones included) and adds the national slice (its
count and facettes, the same for every place), which the first search with these filters counted and kept
in the database under its generation (a write anywhere makes a new one, so no worker reads a stale slice).
The API hands the JSON on as it is (`run_search`); the web pages read `Result` objects.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models.signals import post_delete, post_save
from django.db.utils import DatabaseError, OperationalError

from territoires.models import Commune

from . import recherche_sql
from .filters import (
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    RAYON_MAX_KM,
    Filters,
    parse_filters,
    parse_page,
)
from .localisation import (
    DeferredPlace,
    InvalidSearch,
    Place,
    PlaceNotFound,
    PlaceUnknown,
    resolve_place,
    resolve_place_from_params,
)
from .models import Dispositif, Lieu, Structure, Theme
from .side_tables import RechercheLieu

__all__ = ["Filters", "InvalidSearch", "PAGE_SIZE_DEFAULT", "PAGE_SIZE_MAX", "Place", "PlaceNotFound",
           "RAYON_MAX_KM", "Result", "SearchResult", "SearchTimeout", "known_themes", "parse_filters",
           "parse_page", "resolve_place", "resolve_place_from_params", "run_search", "search"]

logger = logging.getLogger(__name__)

STATEMENT_TIMEOUT_MS = 2000
THEMES_CACHE_KEY = "recherche:themes"
THEMES_CACHE_SECONDS = 300


class SearchTimeout(Exception):
    """The database did not answer within the statement timeout (the API answers 503)."""


# The vocabulary as this process last read it: (read at, {slug: parent}). It only ever answers "known";
# a slug it lacks is looked up again before a search is refused (a theme added elsewhere is never refused).
_THEMES_MEMO: list = [0.0, {}]
THEMES_MEMO_SECONDS = 60


def known_themes(*, fresh: bool = False) -> dict[str, str | None]:
    """{slug: parent slug} of the vocabulary (85 rows, read by every search with a theme): this process's
    copy (THEMES_MEMO_SECONDS), else Django's cache shared by the workers, dropped when a theme is saved
    (signals below) and after THEMES_CACHE_SECONDS for writes that send no signal. `fresh`: skip the
    process's copy (`parametres.Themes` asks before refusing a slug it does not hold)."""
    now = time.monotonic()
    if not fresh and _THEMES_MEMO[1] and now - _THEMES_MEMO[0] < THEMES_MEMO_SECONDS:
        return _THEMES_MEMO[1]
    themes = cache.get(THEMES_CACHE_KEY)
    if not themes:
        themes = dict(Theme.objects.values_list("slug", "parent_id"))
        cache.set(THEMES_CACHE_KEY, themes, THEMES_CACHE_SECONDS)
    _THEMES_MEMO[:] = [now, themes]
    return themes


def clear_caches(**_kwargs):
    """Forget the cached theme vocabulary. National slices need no clearing: they are keyed by the
    database's generation, which every write to the side tables moves on."""
    _THEMES_MEMO[:] = [0.0, {}]
    cache.delete(THEMES_CACHE_KEY)


for _signal in (post_save, post_delete):
    _signal.connect(clear_caches, sender=Theme, dispatch_uid=f"recherche-{_signal}-theme")


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------
@dataclass
class Result:
    dispositif: Dispositif          # id, title, summary, free, modality, structure (id, name) loaded
    portee: str
    distance_m: int | None
    lieu_proche: Lieu | None        # id, name, address, postal code, point, commune (code, nom) loaded
    themes: list[Theme] = field(default_factory=list)   # the dispositif's themes (slug, label), Theme order


@dataclass
class Answer:
    """One page as the database wrote it: `results` is the JSON text of the page's results, `themes` the
    JSON text of the facettes per theme (most frequent first), both handed on as they are by the API."""

    results: str
    count: int
    themes: str

    @property
    def facettes(self) -> dict:
        return {"themes": json.loads(self.themes)}


class SearchResult:
    """The answer to a search: `count`, `facettes` and pages of `Result` (slicing or `page(n, size)`).
    A page costs the local statement and, when the page reaches them, the national results; a page
    already read is not read again. Works with Django's Paginator."""

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
            self._pages[key] = [_result(item) for item in json.loads(answer.results)]
        return self._pages[key]


def search(place: Place, filters: Filters | None = None) -> SearchResult:
    """What is available from `place`: one entry per dispositif with its finest reason (`portee`),
    ordered proximity by distance, then commune/département/région coverage (nearest lieu, then
    title), then national by title. Lazy: the SQL runs when a page, the count or facettes is read."""
    return SearchResult(place, filters or Filters())


def run_search(place: Place | DeferredPlace, filters: Filters, *, offset: int = 0, limit: int = PAGE_SIZE_DEFAULT,
               url: str = "/dispositifs/") -> Answer:
    """The page [offset, offset + limit) of the ordered answer: local rows first, then national
    ones, written by one statement, which also adds the national slice's count and facettes when it was
    already counted for these filters (else `national_slice` counts it). `url` prefixes each result's id in
    its `url` (the API gives an absolute one). A DeferredPlace is read by the statement (PlaceUnknown when
    its code names no commune)."""
    sql, params = recherche_sql.build_local(place, filters, offset=offset, limit=limit, url=url)
    row = _bounded(read_connection(), sql, params)
    if row is None:   # no such commune
        raise place.unknown() if isinstance(place, DeferredPlace) else PlaceUnknown("Commune introuvable.")
    place_json, count, facettes, results, local_nationals, _generation, complete = row
    if isinstance(place, DeferredPlace):
        place.data = json.loads(place_json)
    if complete:
        return Answer(results, count, facettes)
    national_count, national_facettes = national_slice(filters)
    merged = json.loads(facettes)
    for slug, n in national_facettes.items():
        merged[slug] = merged.get(slug, 0) + n
    # national ones matched closer keep their finer reason (`local_nationals`); the statement already wrote
    # the national results of the page
    return Answer(results, count + national_count - len(local_nationals), facettes_json(merged))


def facettes_json(counts: dict[str, int]) -> str:
    """Counts per theme as the search statement writes them (recherche_sql.MERGED_FACETTES): most frequent
    first, then by slug in code point order, so a reader sees "12 cours de français, 5 formations" at once."""
    return json.dumps(dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))), ensure_ascii=False)


def read_connection():
    """Where a search reads: the connection the router gives a read of the side tables (a replica for an
    anonymous visitor when there are some: annuaire/db_router.py), else the default one."""
    return connections[router.db_for_read(RechercheLieu) or DEFAULT_DB_ALIAS]


# The planner settings of the search function (recherche_fonction.local_function), for plain statements.
PLANNER = "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_bitmapscan = off; "


def _bounded(conn, sql: str, params: dict, *, settings: str = ""):
    """One statement under the search's statement timeout, after `settings` (SET LOCAL statements).
    Outside a transaction they travel in one round trip, an implicit transaction that bounds the SET
    LOCAL."""
    prefix = f"SET LOCAL statement_timeout = {int(STATEMENT_TIMEOUT_MS)}; " + settings
    try:
        if conn.in_atomic_block:
            with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
                cursor.execute(prefix.rstrip("; "))
                cursor.execute(sql, params)
                return cursor.fetchone()
        with conn.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            for _ in range(prefix.count(";")):
                cursor.nextset()
            return cursor.fetchone()
    except OperationalError as exc:
        if "statement timeout" in str(exc) or "canceling statement" in str(exc):
            raise SearchTimeout("La recherche a pris trop de temps ; réessayez avec un rayon plus petit "
                                "ou un thème.") from exc
        raise


def national_slice(filters: Filters) -> tuple[int, dict]:
    """(how many national dispositifs pass the filters, their facettes), counted on the primary and kept
    there (RechercheNationale) for the generation and day it was counted: the next search with these
    filters, in any worker, reads it inside its own statement. A write makes a new generation, so no slice
    outlives it. The write is a cache's: it is not made durable at once (synchronous_commit off), and when
    the database refuses it (a read-only role or transaction, a full disk) the slice is counted where the
    search read, and not kept: the search still answers."""
    sql, params = recherche_sql.build_national(filters, recherche_sql.national_key(filters))
    try:
        count, facettes, _generation = _bounded(connections[DEFAULT_DB_ALIAS], sql, params,
                                                settings=PLANNER + "SET LOCAL synchronous_commit = off; ")
    except DatabaseError as exc:   # a timeout is a SearchTimeout already
        logger.warning("national slice not kept (%s): counted without keeping it", exc)
        sql, params = recherche_sql.build_national(filters, None)
        count, facettes, _generation = _bounded(read_connection(), sql, params, settings=PLANNER)
    return count, json.loads(facettes)


def _result(item: dict) -> Result:
    """A Result from one JSON result: unsaved-looking instances holding the loaded columns."""
    structure = item["structure"]
    dispositif = Dispositif(id=item["id"], title=item["titre"], summary=item["resume"], free=item["gratuit"],
                            modality=item["modalite"])
    dispositif.structure = Structure(id=structure["id"], name=structure["nom"]) if structure else None
    lieu = None
    if item["lieu_proche"]:
        data = item["lieu_proche"]
        lieu = Lieu(id=data["id"], dispositif_id=item["id"], name=data["nom"], address=data["adresse"],
                    postal_code=data["code_postal"], point=Point(data["lon"], data["lat"], srid=4326),
                    commune=Commune(code=data["commune"]["code"], nom=data["commune"]["nom"]))
    return Result(dispositif=dispositif, portee=item["portee"], distance_m=item["distance_m"], lieu_proche=lieu,
                  themes=[Theme(slug=t["slug"], label=t["label"]) for t in item["themes"]])
