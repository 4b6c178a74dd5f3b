"""Which dispositifs an export holds: a département's or a région's local actions, or everything.

A territory's export holds the same dispositifs its density counts (published, non-national,
with a lieu in it or a coverage naming it, its région, or one of its communes/départements);
`--all` holds every published dispositif, national ones included.
"""

from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from django.db.models.expressions import RawSQL

from dispositifs.models import Dispositif
from territoires.models import Commune, Departement, Region

from ..stats import pairs_sql


class ScopeError(ValueError):
    """An unknown or missing territory; the sentence tells what to pass instead."""


@dataclass(frozen=True)
class Scope:
    kind: str  # "departement" | "region" | "all"
    code: str = ""
    nom: str = "France"

    @property
    def slug(self) -> str:
        return "france" if self.kind == "all" else f"{self.kind}-{self.code}"

    @property
    def label(self) -> str:
        return "France entière" if self.kind == "all" else f"{self.nom} ({self.code})"


def make_scope(*, departement: str | None = None, region: str | None = None, all: bool = False) -> Scope:
    given = [bool(departement), bool(region), bool(all)]
    if sum(given) != 1:
        raise ScopeError("Choisissez exactement un territoire : departement=CODE, region=CODE ou all=1.")
    if departement:
        dep = Departement.objects.filter(code=departement.upper()).first()
        if dep is None:
            raise ScopeError(f"Département inconnu : « {departement} ». Utilisez un code INSEE comme 35, 2A ou 974.")
        return Scope("departement", dep.code, dep.nom)
    if region:
        reg = Region.objects.filter(code=region).first()
        if reg is None:
            raise ScopeError(f"Région inconnue : « {region} ». Utilisez un code INSEE de région comme 53 ou 11.")
        return Scope("region", reg.code, reg.nom)
    return Scope("all")


def dispositifs_in(scope: Scope):
    """The published dispositifs of the scope (structure joined); relations come from `attach`."""
    qs = Dispositif.objects.published()
    if scope.kind in {"departement", "region"}:
        # The same (dispositif, département) pairs the density counts, narrowed to the territory in
        # each branch of the UNION (4 OR'ed EXISTS made the planner scan every dispositif: 4 s for 8k rows).
        sql = pairs_sql(scope.kind).replace("%(code)s", "%s")
        ids = RawSQL(f"SELECT dispositif_id FROM ({sql}) AS pairs", [scope.code] * 4)
        qs = qs.filter(national=False, pk__in=ids)
    return qs.select_related("structure", "structure__commune").order_by("pk")


@dataclass(frozen=True, slots=True)
class LieuRow:
    """A lieu as the exporters read it, coordinates computed by PostGIS (GEOS objects cost 3x more)."""

    pk: int
    name: str
    address: str
    postal_code: str
    commune_id: str
    commune_nom: str
    precision: str
    accessibility: str
    opening_hours: str
    lon: float
    lat: float
    at_centre: bool  # the point is the commune centre (a commune-precision geocoding)


SQL_LIEUX = """
SELECT l.id, l.dispositif_id, l.name, l.address, l.postal_code, l.commune_id, c.nom, l.precision, l.accessibility,
       l.opening_hours, ST_X(l.point::geometry), ST_Y(l.point::geometry),
       l.precision = 'commune' AND abs(ST_X(l.point::geometry) - ST_X(c.centre)) < 1e-6
                               AND abs(ST_Y(l.point::geometry) - ST_Y(c.centre)) < 1e-6
  FROM dispositifs_lieu l JOIN territoires_commune c ON c.code = l.commune_id
 WHERE l.dispositif_id = ANY(%s)
 ORDER BY l.id
"""


@dataclass(frozen=True)
class Ref:
    """A theme, région, département or commune as the exporters read it (no model instance needed)."""

    code: str
    nom: str = ""
    parent: str | None = None


def attach(chunk: list) -> list:
    """Load the themes, coverage and lieux of a chunk of dispositifs in five queries and attach them
    as `export_*` lists (prefetch_related cloned a queryset per object and relation: 3x slower)."""
    ids = [d.pk for d in chunk]
    by_id: dict[int, dict[str, list]] = {d.pk: {"themes": [], "regions": [], "departements": [], "communes": [],
                                                "lieux": []} for d in chunk}
    through = Dispositif.themes.through.objects.filter(dispositif_id__in=ids)
    for did, slug, parent in through.values_list("dispositif_id", "theme_id", "theme__parent_id").order_by("theme_id"):
        by_id[did]["themes"].append(Ref(slug, parent=parent))
    for name, code, nom in (("regions", "region_id", "region__nom"), ("departements", "departement_id",
                                                                       "departement__nom")):
        rows = getattr(Dispositif, name).through.objects.filter(dispositif_id__in=ids)
        for did, c, n in rows.values_list("dispositif_id", code, nom).order_by(code):
            by_id[did][name].append(Ref(c, n))
    rows = Dispositif.communes.through.objects.filter(dispositif_id__in=ids)
    for did, c, n, epci in rows.values_list("dispositif_id", "commune_id", "commune__nom",
                                            "commune__epci_id").order_by("commune_id"):
        by_id[did]["communes"].append(Ref(c, n, parent=epci))  # a commune's parent here: its EPCI
    _attach_epcis(by_id)
    with connection.cursor() as cursor:
        cursor.execute(SQL_LIEUX, [ids])
        for row in cursor.fetchall():
            by_id[row[1]]["lieux"].append(LieuRow(row[0], *row[2:]))
    for d in chunk:
        for name, values in by_id[d.pk].items():
            setattr(d, f"export_{name}", values)
    return chunk


def _attach_epcis(by_id: dict) -> None:
    """`epcis`: the SIREN of each EPCI whose (two or more) communes are all covered, as
    territoires.querysets.EpciQuerySet.whole_within decides for one dispositif: an EPCI coverage is
    stored as its communes and exported as the EPCI again."""
    touched = {r.parent for lists in by_id.values() for r in lists["communes"] if r.parent}
    sizes = dict(Commune.objects.filter(epci_id__in=touched).values_list("epci_id").annotate(n=Count("code")))
    for lists in by_id.values():
        covered = Counter(r.parent for r in lists["communes"] if r.parent)
        lists["epcis"] = sorted(e for e, n in covered.items() if 2 <= n == sizes[e])


def iter_dispositifs(scope: Scope, chunk_size: int = 2000):
    """Streams the scope in chunks so a national export does not hold 100,000 objects at once."""
    chunk = []
    for d in dispositifs_in(scope).iterator(chunk_size=chunk_size):
        chunk.append(d)
        if len(chunk) == chunk_size:
            yield from attach(chunk)
            chunk = []
    if chunk:
        yield from attach(chunk)
