"""Import runs (who imported what, when, with which result and report) and the BAN geocoding cache."""

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "en cours"
        SUCCESS = "success", "réussi"
        PARTIAL = "partial", "réussi avec des lignes rejetées"
        FAILED = "failed", "échec (rien n'a été écrit)"
        INTERRUPTED = "interrupted", "interrompu (rien n'a été écrit)"

    source = models.SlugField(max_length=80)
    file_name = models.CharField("fichier", max_length=300)
    sha256 = models.CharField(max_length=64)
    profile = models.CharField("profil", max_length=80, blank=True)
    departement = models.CharField("département", max_length=3, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name="utilisateur")
    dry_run = models.BooleanField("essai à blanc", default=False)
    archive_missing = models.BooleanField("archivage des absents", default=False)
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField("début", auto_now_add=True)
    finished_at = models.DateTimeField("fin", null=True, blank=True)
    rows = models.PositiveIntegerField("lignes", default=0)
    created = models.PositiveIntegerField("créés", default=0)
    updated = models.PositiveIntegerField("mis à jour", default=0)
    unchanged = models.PositiveIntegerField("inchangés", default=0)
    rejected = models.PositiveIntegerField("rejetés", default=0)
    archived = models.PositiveIntegerField("archivés", default=0)
    warnings = models.PositiveIntegerField("avertissements", default=0)
    message = models.TextField(blank=True, help_text="Pourquoi le fichier n'a pas pu être lu, le cas échéant.")
    report = models.JSONField("rapport", default=list, blank=True,
                              help_text="Une entrée par problème : line, column, value, reason, severity.")

    class Meta:
        verbose_name = "import"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"], name="importrun_source_idx")]

    def __str__(self):
        return f"{self.source} — {self.file_name} ({self.started_at:%d/%m/%Y %H:%M})"

    def summary(self) -> str:
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged} rejected={self.rejected}"


class GeocodeCache(models.Model):
    """One BAN answer per normalised query, so re-importing a file never asks twice."""

    query = models.CharField(max_length=400, unique=True)
    found = models.BooleanField(default=False)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    kind = models.CharField("type BAN", max_length=20, blank=True)  # housenumber, street, municipality...
    citycode = models.CharField(max_length=5, blank=True)
    label = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "géocodage BAN (cache)"
        verbose_name_plural = "géocodages BAN (cache)"

    def __str__(self):
        return self.query
