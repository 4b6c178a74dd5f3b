"""Which dispositifs an export holds: a département's or a région's local actions, or everything.

A territory's export holds the same dispositifs its density counts (published, non-national,
with a lieu in it or a coverage naming it, its région, or one of its communes/départements);
`--all` holds every published dispositif, national ones included.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch

from dispositifs.models import Dispositif, Lieu
from territoires.models import Departement, Region


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


def _through(name):
    return getattr(Dispositif, name).through.objects.filter(dispositif_id=OuterRef("pk"))


def dispositifs_in(scope: Scope):
    """The published dispositifs of the scope, with everything the exporters read prefetched."""
    qs = Dispositif.objects.published()
    if scope.kind == "departement":
        qs = qs.filter(national=False).filter(
            Exists(Lieu.objects.filter(dispositif_id=OuterRef("pk"), commune__departement_id=scope.code))
            | Exists(_through("departements").filter(departement_id=scope.code))
            | Exists(_through("regions").filter(region__departements__code=scope.code))
            | Exists(_through("communes").filter(commune__departement_id=scope.code)))
    elif scope.kind == "region":
        qs = qs.filter(national=False).filter(
            Exists(Lieu.objects.filter(dispositif_id=OuterRef("pk"), commune__region_id=scope.code))
            | Exists(_through("departements").filter(departement__region_id=scope.code))
            | Exists(_through("regions").filter(region_id=scope.code))
            | Exists(_through("communes").filter(commune__region_id=scope.code)))
    return (qs.select_related("structure", "structure__commune")
            .prefetch_related("themes", "regions", "departements", "communes__departement",
                              Prefetch("lieux", queryset=Lieu.objects.select_related("commune").order_by("pk")))
            .order_by("pk"))


def iter_dispositifs(scope: Scope, chunk_size: int = 2000):
    """Streams the scope in chunks so a national export does not hold 100,000 objects at once."""
    return dispositifs_in(scope).iterator(chunk_size=chunk_size)

