"""The administrative geography of France: régions, départements, communes (INSEE COG codes).

Codes are the natural keys. A commune carries its département and région codes so that
"does this action cover me?" is a comparison of codes, never a polygon test.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db.models import Q

from .querysets import CommuneQuerySet, EpciQuerySet


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    nom = models.CharField(max_length=100)
    population = models.PositiveIntegerField(default=0)
    contour = models.MultiPolygonField(srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = "région"
        ordering = ["code"]
        indexes = [models.Index(fields=["nom"], name="region_nom_idx")]

    def __str__(self):
        return self.nom


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    nom = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")
    population = models.PositiveIntegerField(default=0)
    nom_normalise = models.CharField(max_length=100, default="", editable=False)
    contour = models.MultiPolygonField(srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = "département"
        ordering = ["code"]
        indexes = [models.Index(fields=["nom_normalise"], name="departement_nom_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(contour__isvalid=True), name="departement_contour_valid"),
        ]

    def __str__(self):
        return f"{self.nom} ({self.code})"


class Epci(models.Model):
    """An EPCI à fiscalité propre (CC, CA, CU, métropole), known by its SIREN: data·inclusion and
    DORA name one as a coverage. Its communes point to it (`Commune.epci`), so "does this EPCI
    cover me?" is a comparison of codes like the other levels."""

    code = models.CharField("SIREN", max_length=9, primary_key=True)
    nom = models.CharField(max_length=200)
    nature = models.CharField(max_length=10, help_text="CC, CA, CU ou METRO")
    population = models.PositiveIntegerField(default=0)

    objects = EpciQuerySet.as_manager()

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["code"]

    def __str__(self):
        return f"{self.nom} ({self.code})"


class Commune(models.Model):
    code = models.CharField("code INSEE", max_length=5, primary_key=True)
    nom = models.CharField(max_length=100)
    nom_normalise = models.CharField(max_length=100, editable=False)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="communes")
    codes_postaux = ArrayField(models.CharField(max_length=5), default=list)
    population = models.PositiveIntegerField(default=0)
    centre = models.PointField(srid=4326)
    contour = models.MultiPolygonField(srid=4326, null=True, blank=True)
    epci = models.ForeignKey(Epci, null=True, blank=True, on_delete=models.SET_NULL, related_name="communes",
                             db_index=False)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["departement"], name="commune_departement_idx"),
            models.Index(fields=["region"], name="commune_region_idx"),
            models.Index(fields=["epci"], name="commune_epci_idx"),
            GinIndex(fields=["codes_postaux"], name="commune_codes_postaux_gin"),
            GinIndex(fields=["nom_normalise"], name="commune_nom_trgm", opclasses=["gin_trgm_ops"]),
            models.Index(fields=["nom_normalise"], name="commune_nom_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.nom} ({self.code})"


class CommunePiece(models.Model):
    """A piece of a commune contour cut by ST_Subdivide: point-in-polygon on small pieces is fast."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="pieces")
    geom = models.PolygonField(srid=4326)

    class Meta:
        verbose_name = "morceau de commune"
