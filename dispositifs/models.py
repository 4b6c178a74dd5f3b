"""The domain: who runs actions (Structure), the actions (Dispositif), where (Lieu), on what
themes (Theme), and for which territory (couverture: national, régions, départements, communes).
"""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db.models import F, Q
from django.urls import reverse

from territoires.models import Commune, Departement, Region

from . import validation
from .querysets import DispositifQuerySet, ThemeQuerySet
from .vocabulaires import (
    Modalite,
    NiveauFrancais,
    Precision,
    Public,
    Statut,
    StatutProtection,
    TypeStructure,
)


class Theme(models.Model):
    """A node of the controlled vocabulary (fixtures/themes.json), aligned with data·inclusion
    `thematiques`: 16 categories, each with sub-themes `categorie--sous-theme`."""

    slug = models.SlugField(max_length=120, primary_key=True)
    label = models.CharField("libellé", max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    synonyms = ArrayField(models.CharField(max_length=120), default=list, blank=True, verbose_name="synonymes")
    position = models.PositiveSmallIntegerField(default=0)
    icon = models.CharField("icône DSFR", max_length=60, blank=True)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = "thème"
        ordering = ["parent_id", "position", "slug"]

    def __str__(self):
        return self.label


class Structure(models.Model):
    name = models.CharField("nom", max_length=255)
    name_key = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField("type", max_length=30, choices=TypeStructure.choices, default=TypeStructure.ASSOCIATION)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    website = models.URLField("site web", max_length=500, blank=True)
    phone = models.CharField("téléphone", max_length=40, blank=True)
    email = models.EmailField("courriel", blank=True)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "structure"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~Q(siret=""), name="structure_siret_unique"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        validation.check_structure(self)

    def save(self, *args, **kwargs):
        self.name_key = validation.structure_key(self.name)
        super().save(*args, **kwargs)


class Dispositif(models.Model):
    # What
    title = models.CharField("intitulé", max_length=300)
    summary = models.CharField("résumé", max_length=500, blank=True)
    description = models.TextField(blank=True)
    structure = models.ForeignKey(
        Structure, null=True, blank=True, on_delete=models.PROTECT, related_name="dispositifs")
    themes = models.ManyToManyField(Theme, related_name="dispositifs", verbose_name="thèmes")
    # For whom
    publics = ArrayField(models.CharField(max_length=30, choices=Public.choices), default=list, blank=True)
    protection_statuses = ArrayField(
        models.CharField(max_length=30, choices=StatutProtection.choices), default=list, blank=True,
        verbose_name="statuts de protection", help_text="Vide : tous les statuts.")
    age_min = models.PositiveSmallIntegerField("âge minimum", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("âge maximum", null=True, blank=True)
    french_level = models.CharField(
        "niveau de français requis", max_length=10, choices=NiveauFrancais.choices, blank=True)
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True,
                           verbose_name="langues parlées", help_text="Codes ISO 639-1 : fr, en, ar, ps, fa…")
    # Practical
    free = models.BooleanField("gratuit", null=True, blank=True)
    price = models.CharField("tarif", max_length=200, blank=True)
    modality = models.CharField("modalité", max_length=12, choices=Modalite.choices, default=Modalite.PRESENTIEL)
    registration = models.TextField("inscription", blank=True)
    phone = models.CharField("téléphone", max_length=40, blank=True)
    email = models.EmailField("courriel", blank=True)
    website = models.URLField("site web", max_length=500, blank=True)
    start_date = models.DateField("date de début", null=True, blank=True)
    end_date = models.DateField("date de fin", null=True, blank=True)
    # Couverture ("portée"): national, or any set of régions, départements, communes.
    national = models.BooleanField(default=False)
    regions = models.ManyToManyField(Region, blank=True, related_name="+", verbose_name="régions couvertes")
    departements = models.ManyToManyField(
        Departement, blank=True, related_name="+", verbose_name="départements couverts")
    communes = models.ManyToManyField(Commune, blank=True, related_name="+", verbose_name="communes couvertes")
    # Life cycle and provenance
    status = models.CharField("statut", max_length=10, choices=Statut.choices, default=Statut.BROUILLON)
    # No index of its own: the unique (source, import_key) one serves `source = …` (import writes pay per index).
    source = models.SlugField(max_length=80, blank=True, db_index=False, help_text="Producteur de la donnée (import).")
    external_id = models.CharField("identifiant externe", max_length=120, blank=True)
    import_key = models.CharField(max_length=64, blank=True, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    last_verified = models.DateField("dernière vérification", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DispositifQuerySet.as_manager()

    class Meta:
        verbose_name = "dispositif"
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status"], name="dispositif_status_idx"),
            models.Index(fields=["national"], name="dispositif_national_idx", condition=Q(national=True)),
            GinIndex(fields=["publics"], name="dispositif_publics_gin"),
            GinIndex(fields=["languages"], name="dispositif_languages_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_min__lte=F("age_max")),
                name="dispositif_age_range"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(start_date__lte=F("end_date")),
                name="dispositif_date_range"),
            models.UniqueConstraint(fields=["source", "import_key"], condition=~Q(source=""),
                                    name="dispositif_source_key_unique"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("dispositif-detail", args=[self.pk])

    def clean(self):
        validation.check_dispositif(self)


class Lieu(models.Model):
    """Where an action takes place. The point is a geography so distances are metres on the sphere."""

    dispositif = models.ForeignKey(Dispositif, on_delete=models.CASCADE, related_name="lieux")
    name = models.CharField("nom du lieu", max_length=200, blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="lieux", db_index=False)  # Meta
    point = models.PointField(srid=4326, geography=True)
    precision = models.CharField(
        "précision du géocodage", max_length=10, choices=Precision.choices, default=Precision.COMMUNE)
    accessibility = models.CharField("accessibilité", max_length=300, blank=True)
    opening_hours = models.CharField("horaires", max_length=300, blank=True)

    class Meta:
        verbose_name = "lieu"
        verbose_name_plural = "lieux"
        indexes = [
            models.Index(fields=["commune"], name="lieu_commune_idx"),
        ]

    def __str__(self):
        return ", ".join(filter(None, [self.name, self.address, str(self.commune) if self.commune_id else ""]))

    def clean(self):
        validation.check_lieu(self)


# The search's side tables (models whose columns come from dispositifs/filters.py).
from .side_tables import RechercheCouverture, RechercheGeneration, RechercheLieu  # noqa: E402, F401
