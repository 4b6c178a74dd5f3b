"""Reads on the geography: "which commune is this point in", name and postal code look-ups."""

from django.contrib.gis.db.models.functions import GeometryDistance
from django.contrib.gis.geos import Point
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import models
from django.db.models import Count, F, Q

from .text import fold


class EpciQuerySet(models.QuerySet):
    def whole_within(self, commune_codes):
        """The EPCI all of whose (two or more) member communes are among `commune_codes`: an EPCI
        coverage is stored as its communes (imports/gazetteer.py) and shown or exported as the EPCI."""
        codes = list(commune_codes)
        if len(codes) < 2:
            return self.none()  # no query: an EPCI of one commune is named as the commune
        return (self.filter(pk__in=self.filter(communes__code__in=codes).values("pk"))
                .annotate(total=Count("communes"), covered=Count("communes", filter=Q(communes__code__in=codes)))
                .filter(covered__gte=2, covered=F("total")).order_by("nom"))


class CommuneQuerySet(models.QuerySet):
    def containing(self, point: Point):
        """Communes whose (subdivided) contour contains the point; uses the pieces' GiST index."""
        return self.filter(pieces__geom__intersects=point).distinct()

    def nearest(self, point: Point):
        """Communes ordered by distance from their centre (KNN `<->` on the GiST index)."""
        return self.order_by(GeometryDistance("centre", point))

    def locate(self, point: Point, *, max_km: float = 5.0):
        """The commune a point lies in, else the nearest centre within `max_km` (coasts, gaps
        between simplified contours), else None."""
        commune = self.containing(point).select_related("departement", "region").first()
        if commune is not None:
            return commune
        nearest = self.select_related("departement", "region").nearest(point).first()
        if nearest is not None and nearest.centre.distance(point) * 111 <= max_km * 1.5:
            # Degrees to km is rough (cos(latitude) <= 1), hence the exact check below.
            geodesic_km = _geodesic_km(nearest.centre, point)
            if geodesic_km <= max_km:
                return nearest
        return None

    def with_postal_code(self, code_postal: str):
        return self.filter(codes_postaux__contains=[code_postal])

    def search(self, q: str):
        """Autocomplete: a postal code or INSEE prefix, or a name typed any way
        ("saint etienne", "St-Étienne"); ranked by name match then population."""
        q = (q or "").strip()
        if q.isdigit() or (len(q) >= 2 and q[:2].upper() in {"2A", "2B"} and q[2:].isdigit()):
            if len(q) == 5:
                return self.filter(models.Q(codes_postaux__contains=[q]) | models.Q(code=q.upper())).order_by(
                    "-population"
                )
            return self.filter(code__startswith=q.upper()).order_by("-population")
        key = fold(q)
        key = _expand_saint(key)
        if not key:
            return self.none()
        prefix = models.Q(nom_normalise__startswith=key) | models.Q(nom_normalise__contains=f" {key}")
        if len(key) < 3:
            return self.filter(prefix).order_by("-population")
        # Tiers: the exact name, then names starting with what is typed, then a word starting with it
        # (all by population: typing "bor" means Bordeaux, not Bor-et-Bar), then typos by similarity.
        similarity = TrigramWordSimilarity(key, "nom_normalise")
        return (
            self.filter(prefix | models.Q(nom_normalise__trigram_word_similar=key))
            .annotate(
                exact=models.Case(
                    models.When(nom_normalise=key, then=3),
                    models.When(nom_normalise__startswith=key, then=2),
                    models.When(nom_normalise__contains=f" {key}", then=1),
                    default=0,
                    output_field=models.IntegerField(),
                ),
                similarity=models.Case(models.When(exact=0, then=similarity), default=models.Value(1.0),
                                       output_field=models.FloatField()),
            )
            .order_by("-exact", "-similarity", "-population")
        )


def _geodesic_km(a: Point, b: Point) -> float:
    from geopy.distance import geodesic

    return geodesic((a.y, a.x), (b.y, b.x)).km


def _expand_saint(key: str) -> str:
    """People write "St Etienne" and "Ste Foy": the COG writes Saint / Sainte."""
    words = key.split()
    expanded = {"st": "saint", "ste": "sainte", "s": "saint"}
    if words and words[0] in expanded and len(words) > 1:
        words[0] = expanded[words[0]]
    return " ".join(words)
