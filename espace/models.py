"""An upload of the web import: the file, its dry run, then its real import (both ImportRuns)."""

from django.conf import settings
from django.db import models

from comptes.models import Source
from imports.models import ImportRun


class Televersement(models.Model):
    class Etat(models.TextChoices):
        ESSAI = "essai", "essai en cours"
        APERCU = "apercu", "aperçu prêt"
        IMPORT = "import", "import en cours"
        TERMINE = "termine", "importé"
        ECHEC = "echec", "échec"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+")
    fichier = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField("fichier", max_length=300)
    etat = models.CharField(max_length=10, choices=Etat.choices, default=Etat.ESSAI)
    essai = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "téléversement"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.source_id} — {self.file_name}"

    @property
    def running(self) -> bool:
        return self.etat in (self.Etat.ESSAI, self.Etat.IMPORT)
