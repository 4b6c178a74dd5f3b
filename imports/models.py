"""Import runs (who imported what, when, with which result), their problems (one row each, so no
report is too big to store) and the BAN geocoding cache."""

from django.conf import settings
from django.db import models

from .report import VALUE_CHARS  # a problem row shows a cell, never stores a 128 KB one


class ImportRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "en cours"
        SUCCESS = "success", "réussi"
        PARTIAL = "partial", "réussi avec des lignes rejetées"
        FAILED = "failed", "échec"
        INTERRUPTED = "interrupted", "interrompu"

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
    message = models.TextField(blank=True,
                               help_text="Ce qui a été écrit, et pourquoi l'import a échoué le cas échéant.")
    written = models.BooleanField("données écrites", default=False,
                                  help_text="La transaction de l'import a été validée (faux en essai à blanc).")
    pid = models.PositiveIntegerField("processus", null=True, blank=True)

    class Meta:
        verbose_name = "import"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"], name="importrun_source_idx")]

    def __str__(self):
        return f"{self.source} — {self.file_name} ({self.started_at:%d/%m/%Y %H:%M})"

    def summary(self) -> str:
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged} rejected={self.rejected}"


class ImportProblem(models.Model):
    """One line of a run's report: rows, not a JSON document, so a 100,000-problem run is stored,
    paginated and exported like any table."""

    class Severity(models.TextChoices):
        ERROR = "error", "erreur"
        WARNING = "warning", "avertissement"

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="problems", verbose_name="import")
    line = models.PositiveIntegerField("ligne", null=True, blank=True)
    column = models.CharField("colonne", max_length=300, blank=True)
    value = models.CharField("valeur", max_length=VALUE_CHARS + 1, blank=True)
    reason = models.TextField("motif")
    severity = models.CharField("gravité", max_length=8, choices=Severity.choices, default=Severity.ERROR)
    cause = models.CharField("cause", max_length=80, blank=True)
    suggestion = models.CharField("suggestion", max_length=300, blank=True)

    class Meta:
        verbose_name = "problème d'import"
        verbose_name_plural = "problèmes d'import"
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["run", "line"], name="importproblem_run_line_idx")]

    def __str__(self):
        return f"ligne {self.line or '—'} : {self.reason[:80]}"


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
