"""The search narrowed by the filters its statement cannot run (`filters.APRES`: `ouvert`).

Such a filter reads the first APRES_MAX results of the search (its order: portée, distance, title), keeps
some by id, and the page, count and facettes are those of the kept results. Without one, these are the
plain search (`dispositifs.recherche`): `run_search` answers the API's JSON, `search` the pages' Results.
The bound keeps a request's cost fixed (two search statements, one query per post-filter); the OpenAPI
text of each such parameter says it.
"""

from __future__ import annotations

import json

from . import recherche
from .filters import APRES, APRES_MAX, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, Filters
from .localisation import Place


def active(filters: Filters) -> list:
    """[(FiltreApres, parsed value)] of the post-filters given."""
    return [(f, getattr(filters, f.name)) for f in APRES if getattr(filters, f.name) is not None]


def kept_items(place: Place, filters: Filters, *, url: str = "/dispositifs/") -> list[dict]:
    """The JSON results (as the search statement writes them) among the first APRES_MAX that every given
    post-filter keeps, in the search's order."""
    items: list[dict] = []
    for offset in range(0, APRES_MAX, PAGE_SIZE_MAX):
        answer = recherche.run_search(place, filters, offset=offset, limit=PAGE_SIZE_MAX, url=url)
        items += json.loads(answer.results)
        if offset + PAGE_SIZE_MAX >= answer.count:
            break
    ids = [item["id"] for item in items]
    kept = set(ids)
    for filtre, value in active(filters):
        kept &= filtre.keep(ids, value)
    return [item for item in items if item["id"] in kept]


def facettes(items: list[dict]) -> str:
    """Results per theme, a category counting its sub-themes' results once, as JSON text in the order the
    search writes its facettes."""
    parents = recherche.known_themes()
    counts: dict[str, int] = {}
    for item in items:
        slugs = {t["slug"] for t in item["themes"]}
        for slug in slugs | {parents.get(s) for s in slugs} - {None}:
            counts[slug] = counts.get(slug, 0) + 1
    return recherche.facettes_json(counts)


def run_search(place: Place, filters: Filters, *, offset: int = 0, limit: int = PAGE_SIZE_DEFAULT,
               url: str = "/dispositifs/") -> recherche.Answer:
    """`recherche.run_search`, narrowed by the post-filters given."""
    if not active(filters):
        return recherche.run_search(place, filters, offset=offset, limit=limit, url=url)
    items = kept_items(place, filters, url=url)
    return recherche.Answer(json.dumps(items[offset:offset + limit], ensure_ascii=False), len(items),
                            facettes(items))


class NarrowedResult:
    """What `recherche.search` returns (count, facettes, pages of Result; works with Django's Paginator),
    for a search narrowed by post-filters: the kept results are read once, on first use."""

    def __init__(self, place: Place, filters: Filters):
        self.place, self.filters = place, filters
        self._items: list[dict] | None = None

    def _kept(self) -> list[dict]:
        if self._items is None:
            self._items = kept_items(self.place, self.filters)
        return self._items

    @property
    def count(self) -> int:
        return len(self._kept())

    def __len__(self) -> int:
        return self.count

    @property
    def facettes(self) -> dict:
        return {"themes": json.loads(facettes(self._kept()))}

    def page(self, number: int, size: int = PAGE_SIZE_DEFAULT) -> list:
        size = max(1, min(size, PAGE_SIZE_MAX))
        start = (max(1, number) - 1) * size
        return [recherche._result(item) for item in self._kept()[start:start + size]]

    def __getitem__(self, key):
        if isinstance(key, int):
            return recherche._result(self._kept()[key])
        return [recherche._result(item) for item in self._kept()[key]]

    def __iter__(self):
        return iter(self.page(1, PAGE_SIZE_MAX))


def search(place: Place, filters: Filters | None = None):
    """`recherche.search`, narrowed by the post-filters given (a NarrowedResult), else the plain one."""
    filters = filters or Filters()
    return NarrowedResult(place, filters) if active(filters) else recherche.search(place, filters)
