"""Content translations (issue #14): per dispositif, field and language, a text with its status — a machine
draft, or reviewed by a person — and the French it was made from, so a change in French is seen (the old
translation no longer matches) and shown to the reviewer as a difference."""

import hashlib

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from dispositifs.models import Dispositif

# The dispositif fields people read; the rest (names, addresses, phones) stays as written.
FIELDS = {"title": "intitulé", "summary": "résumé", "description": "description", "registration": "inscription",
          "price": "tarif"}


def source_hash(text: str) -> str:
    return hashlib.sha1((text or "").encode()).hexdigest()


class Statut(models.TextChoices):
    MACHINE = "machine", "Brouillon automatique"
    RELU = "relu", "Relu par une personne"


class Traduction(models.Model):
    dispositif = models.ForeignKey(Dispositif, on_delete=models.CASCADE, related_name="traductions")
    langue = models.CharField(max_length=8)
    champ = models.CharField(max_length=20, choices=[(k, v) for k, v in FIELDS.items()])
    texte = models.TextField()
    statut = models.CharField(max_length=10, choices=Statut.choices, default=Statut.MACHINE)
    source = models.TextField("texte français traduit", help_text="Le français au moment de la traduction.")
    source_hash = models.CharField(max_length=40)
    relu_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "traduction"
        constraints = [models.UniqueConstraint(fields=["dispositif", "langue", "champ"],
                                               name="traduction_unique_champ")]
        indexes = [models.Index(fields=["langue", "statut"], name="traduction_langue_statut_idx")]

    def __str__(self):
        return f"{self.dispositif_id} {self.champ} [{self.langue}, {self.statut}]"

    def is_current(self, french: str) -> bool:
        """Made from the French as it is now."""
        return self.source_hash == source_hash(french)


class Traducteur(models.Model):
    """A person who reviews translations into some languages (the translation screen asks this)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="traducteur")
    langues = ArrayField(models.CharField(max_length=8), default=list, help_text="Codes : ar, ps, fa, ti…")

    class Meta:
        verbose_name = "traducteur"

    def __str__(self):
        return f"{self.user} ({', '.join(self.langues)})"
