"""Reads on the domain, as chainable QuerySet methods (search builds on these).

`reachable_from()` is the readable definition of "what is available near me" (docs/ARCHITECTURE.md, "The rules");
`dispositifs.recherche` runs the same rules as one indexed SQL statement for speed, and the tests
check that both agree on a hand-built map (docs/ARCHITECTURE.md, "The search path"). `matching()`
applies the ORM condition of each filter of dispositifs/filters.py, where each filter is declared once.
"""

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.db import models
from django.db.models.functions import Now

from .filters import FILTRES, MODALITES_COMPATIBLES, niveaux_accessibles  # noqa: F401 (re-exported)
from .vocabulaires import Statut

# portée, finest first: the position is the rank used for ordering.
PORTEES = ("proximite", "commune", "departement", "region", "national")


class SphereDistance(Distance):
    """ST_Distance(a, b, false): geography distance on the sphere, as the fast path measures it
    (recherche_sql.NEAREST). Django's Distance ignores `spheroid` for geography columns."""

    name = "Distance"   # the SQL function's (GeoFunc names it after the class)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = super().as_postgresql(compiler, connection, **extra_context)
        assert sql.startswith("ST_Distance(") and sql.endswith(")"), sql
        return sql[:-1] + ", false)", params


class ThemeQuerySet(models.QuerySet):
    def roots(self):
        return self.filter(parent__isnull=True)

    def expand(self, slugs):
        """The given themes and all their sub-themes: a parent theme matches its children."""
        slugs = list(slugs)
        return self.filter(models.Q(slug__in=slugs) | models.Q(parent_id__in=slugs))


class DispositifQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Statut.PUBLIE)

    def current(self):
        """Not ended yet (an action without an end date runs on)."""
        return self.filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=Now()))

    def with_themes(self, slugs):
        """Dispositifs on any of these themes or their sub-themes (no duplicate rows)."""
        from .models import Theme

        if not slugs:
            return self
        through = self.model.themes.through
        wanted = Theme.objects.expand(slugs).values("slug")
        return self.filter(
            models.Exists(through.objects.filter(dispositif_id=models.OuterRef("pk"), theme_id__in=wanted)))

    def matching(self, filters):
        """Apply the eligibility filters of a `Filters` (place-independent ones): the ORM condition
        of each declared filter that has a value (dispositifs/filters.py)."""
        qs = self
        for filtre in FILTRES:
            value = getattr(filters, filtre.name)
            if filtre.active(value):
                qs = qs.filter(filtre.condition(value))
        return qs

    # -- geography ------------------------------------------------------------------------------
    def near(self, point, radius_km: float):
        """With a lieu within `radius_km` (ST_DWithin on geography, GiST index), annotated with
        `distance_m`, the distance to the nearest such lieu, on the sphere as the fast path measures it
        (recherche_sql.NEAREST)."""
        from .models import Lieu

        lieux = Lieu.objects.filter(dispositif_id=models.OuterRef("pk"), point__dwithin=(point, D(km=radius_km)))
        nearest = lieux.annotate(d=SphereDistance("point", point)).order_by("d").values("d")[:1]
        return self.filter(models.Exists(lieux)).annotate(distance_m=models.Subquery(nearest))

    def covering(self, commune, *, national: bool = True):
        """Whose couverture includes the commune: named, or its département, or its région (codes,
        not polygons), or national when `national`."""
        q = self._covers_commune(commune) | self._covers_departement(commune.departement_id)
        q |= self._covers_region(commune.region_id)
        if national:
            q |= models.Q(national=True)
        return self.filter(q)

    def in_departement(self, code: str):
        """Relevant to a département: a lieu in it, or a couverture naming it, its région or one of its communes."""
        from territoires.models import Departement

        from .models import Lieu

        region = Departement.objects.filter(code=code).values("region_id")
        through = self.model.communes.through
        return self.filter(
            models.Exists(Lieu.objects.filter(dispositif_id=models.OuterRef("pk"), commune__departement_id=code))
            | self._covers_departement(code)
            | models.Exists(self.model.regions.through.objects.filter(
                dispositif_id=models.OuterRef("pk"), region_id__in=region))
            | models.Exists(through.objects.filter(dispositif_id=models.OuterRef("pk"),
                                                   commune__departement_id=code)))

    def in_region(self, code: str):
        """Relevant to a région: a lieu in it, or a couverture naming it or any of its parts."""
        from .models import Lieu

        return self.filter(
            models.Exists(Lieu.objects.filter(dispositif_id=models.OuterRef("pk"), commune__region_id=code))
            | self._covers_region(code)
            | models.Exists(self.model.departements.through.objects.filter(
                dispositif_id=models.OuterRef("pk"), departement__region_id=code))
            | models.Exists(self.model.communes.through.objects.filter(
                dispositif_id=models.OuterRef("pk"), commune__region_id=code)))

    def reachable_from(self, place, *, radius_km: float = 30, national: bool = True):
        """What is available from `place` (a `recherche.Place`), each row annotated with `portee`
        (its finest reason) and `distance_m` (nearest lieu). The readable, slower twin of
        `recherche.search`: it tests every dispositif instead of starting from the indexes."""
        from .models import Lieu

        point = place.point
        within = Lieu.objects.filter(dispositif_id=models.OuterRef("pk"), point__dwithin=(point, D(km=radius_km)))
        nearest = (Lieu.objects.filter(dispositif_id=models.OuterRef("pk"))
                   .annotate(d=SphereDistance("point", point)).order_by("d").values("d")[:1])
        whens = [
            models.When(models.Exists(within), then=models.Value("proximite")),
            models.When(self._covers_commune(place.commune), then=models.Value("commune")),
            models.When(self._covers_departement(place.departement.code), then=models.Value("departement")),
            models.When(self._covers_region(place.region.code), then=models.Value("region")),
        ]
        if national:
            whens.append(models.When(national=True, then=models.Value("national")))
        portee = models.Case(*whens, default=None, output_field=models.CharField())
        return self.annotate(portee=portee, distance_m=models.Subquery(nearest)).filter(portee__isnull=False)

    def ordered_by_portee(self):
        """Proximity by distance, then coverage finest first (nearest lieu, then title), then
        national by title."""
        rank = models.Case(*[models.When(portee=p, then=models.Value(i)) for i, p in enumerate(PORTEES)],
                           output_field=models.IntegerField())
        national_last = models.Case(models.When(portee="national", then=None), default=models.F("distance_m"))
        return self.annotate(portee_rank=rank, distance_key=national_last).order_by(
            "portee_rank", models.F("distance_key").asc(nulls_last=True), "title", "pk")

    # -- coverage by codes ---------------------------------------------------------------------
    def _covers_commune(self, commune):
        code = getattr(commune, "code", commune)
        return models.Exists(self.model.communes.through.objects.filter(
            dispositif_id=models.OuterRef("pk"), commune_id=code))

    def _covers_departement(self, code: str):
        return models.Exists(self.model.departements.through.objects.filter(
            dispositif_id=models.OuterRef("pk"), departement_id=code))

    def _covers_region(self, code: str):
        return models.Exists(self.model.regions.through.objects.filter(
            dispositif_id=models.OuterRef("pk"), region_id=code))
