"""Accounts by territory (who may do what where), import sources, moderation, and the history of
the dispositifs and their lieux (django-simple-history, registered here so `dispositifs` stays free
of it)."""

import simple_history
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispositifs.models import Dispositif, Lieu, Structure
from territoires.models import Departement, Region


class Role(models.TextChoices):
    STRUCTURE = "structure", _("Membre d'une structure")
    OPERATEUR = "operateur", _("Opérateur de territoire")
    NATIONAL = "national", _("Équipe nationale")


class Source(models.Model):
    """A data producer's import channel ("ddets-21"): who may import it and how its rows arrive."""

    slug = models.SlugField(max_length=80, primary_key=True)
    label = models.CharField("nom", max_length=200, blank=True)
    departement = models.ForeignKey(Departement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    help_text="Département par défaut des lignes sans lieu précis.")
    profile = models.CharField("profil de colonnes", max_length=80, blank=True)
    publish_directly = models.BooleanField(
        "publier directement", default=True,
        help_text="Décoché : les dispositifs importés attendent la modération d'un opérateur.")

    class Meta:
        verbose_name = "source d'import"
        ordering = ["slug"]

    def __str__(self):
        return self.label or self.slug


class Compte(models.Model):
    """The role and scope of a Django user. A national account or a superuser may do everything."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="compte")
    role = models.CharField("rôle", max_length=12, choices=Role.choices)
    departements = models.ManyToManyField(Departement, blank=True, related_name="+", verbose_name="départements")
    regions = models.ManyToManyField(Region, blank=True, related_name="+", verbose_name="régions")
    structure = models.ForeignKey(Structure, null=True, blank=True, on_delete=models.SET_NULL, related_name="comptes")
    sources = models.ManyToManyField(Source, blank=True, related_name="comptes", verbose_name="sources d'import")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="invité par")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "compte"
        constraints = [
            models.CheckConstraint(condition=~models.Q(role="structure") | models.Q(structure__isnull=False),
                                   name="compte_structure_has_structure"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class Decision(models.Model):
    """One step of moderation: submitted, published, sent back (with the comment the author reads)."""

    class Action(models.TextChoices):
        SOUMIS = "soumis", _("Soumis")
        PUBLIE = "publie", _("Publié")
        RENVOYE = "renvoye", _("Renvoyé avec un commentaire")

    dispositif = models.ForeignKey(Dispositif, on_delete=models.CASCADE, related_name="decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    comment = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} — {self.dispositif_id}"


class Proposition(models.Model):
    """A structure member's edit of a published fiche, kept aside (the public fiche stays as it is)
    until an operator of the territory applies it or sends it back."""

    class Etat(models.TextChoices):
        EN_ATTENTE = "en_attente", _("En attente")
        APPLIQUEE = "appliquee", _("Appliquée")
        RENVOYEE = "renvoyee", _("Renvoyée")

    dispositif = models.ForeignKey(Dispositif, on_delete=models.CASCADE, related_name="propositions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField(help_text="Le dispositif proposé, dans la forme de l'API.")
    etat = models.CharField(max_length=12, choices=Etat.choices, default=Etat.EN_ATTENTE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["dispositif"], condition=models.Q(etat="en_attente"),
                                               name="proposition_one_pending")]

    def __str__(self):
        return f"proposition {self.pk} ({self.get_etat_display()})"


class Correspondance(models.Model):
    """A value of a source's spreadsheet mapped once to the vocabulary ("Cours de langue" -> a theme),
    applied to that source's next uploads."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="correspondances")
    column = models.CharField("champ", max_length=30)  # themes, publics
    value = models.CharField("valeur lue", max_length=200)
    target = models.CharField("valeur du vocabulaire", max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "column", "value"], name="correspondance_unique")]

    def __str__(self):
        return f"{self.value} → {self.target}"


class Snapshot(models.Model):
    """Added to each historical record: themes, coverage and lieux as text, so a diff shows them."""

    relations = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


simple_history.register(Dispositif, app="comptes", bases=[Snapshot], excluded_fields=["content_hash", "import_key"])
simple_history.register(Lieu, app="comptes")
