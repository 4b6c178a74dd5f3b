"""Temporary closures (holidays, works, a sick volunteer): dates and a message, shown on the pages and
taken into account by "ouvert maintenant". The weekly hours themselves are Lieu.opening_hours (OSM syntax,
dispositifs/horaires.py)."""

from django.db import models
from django.db.models import F, Q

from dispositifs.models import Dispositif, Lieu


class FermetureQuerySet(models.QuerySet):
    def covering(self, day):
        """Closures in force on `day`."""
        return self.filter(debut__lte=day, fin__gte=day)

    def upcoming(self, day, *, days: int = 30):
        """Closures in force on `day` or starting within `days` days, soonest first."""
        import datetime as dt

        return self.filter(fin__gte=day, debut__lte=day + dt.timedelta(days=days)).order_by("debut")


class Fermeture(models.Model):
    """A dispositif (all its lieux) or one of its lieux closed from `debut` to `fin` included."""

    dispositif = models.ForeignKey(Dispositif, on_delete=models.CASCADE, related_name="fermetures")
    lieu = models.ForeignKey(Lieu, null=True, blank=True, on_delete=models.CASCADE, related_name="fermetures",
                             help_text="Vide : tous les lieux du dispositif.")
    debut = models.DateField("du")
    fin = models.DateField("au (inclus)")
    message = models.CharField(max_length=300, blank=True, help_text="Par exemple : « Fermé pour travaux, "
                                                                     "permanence au 03 80 00 00 00 ».")

    objects = FermetureQuerySet.as_manager()

    class Meta:
        verbose_name = "fermeture temporaire"
        verbose_name_plural = "fermetures temporaires"
        ordering = ["debut"]
        indexes = [models.Index(fields=["dispositif", "fin"], name="fermeture_dispositif_fin_idx")]
        constraints = [models.CheckConstraint(condition=Q(debut__lte=F("fin")), name="fermeture_dates_ordre")]

    def __str__(self):
        return f"{self.dispositif} : du {self.debut:%d/%m/%Y} au {self.fin:%d/%m/%Y}"


class LieuHoraires(Lieu):
    """A lieu seen through its weekly hours only (the admin's week form)."""

    class Meta:
        proxy = True
        verbose_name = "horaires d'un lieu"
        verbose_name_plural = "horaires des lieux"
