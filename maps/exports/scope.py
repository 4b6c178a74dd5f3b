"""Which dispositifs an export holds: a département's or a région's local actions, or everything.

A territory's export holds the same dispositifs its density counts (published, non-national,
with a lieu in it or a coverage naming it, its région, or one of its communes/départements);
`--all` holds every published dispositif, national ones included.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.db.models.expressions import RawSQL

from dispositifs.models import Dispositif, Lieu
from territoires.models import Departement, Region

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
    """The published dispositifs of the scope, with everything the exporters read prefetched."""
    qs = Dispositif.objects.published()
    if scope.kind in {"departement", "region"}:
        # The same (dispositif, département) pairs the density counts, narrowed to the territory in
        # each branch of the UNION (4 OR'ed EXISTS made the planner scan every dispositif: 4 s for 8k rows).
        sql = pairs_sql(scope.kind).replace("%(code)s", "%s")
        ids = RawSQL(f"SELECT dispositif_id FROM ({sql}) AS pairs", [scope.code] * 4)
        qs = qs.filter(national=False, pk__in=ids)
    return (qs.select_related("structure", "structure__commune")
            .prefetch_related("themes", "regions", "departements", "communes__departement",
                              Prefetch("lieux", queryset=Lieu.objects.select_related("commune").order_by("pk")))
            .order_by("pk"))


def iter_dispositifs(scope: Scope, chunk_size: int = 2000):
    """Streams the scope in chunks so a national export does not hold 100,000 objects at once."""
    return dispositifs_in(scope).iterator(chunk_size=chunk_size)

