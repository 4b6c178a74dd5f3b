"""Controlled vocabularies for eligibility and practical details.

Each vocabulary is a Django TextChoices (value stored, French label shown) plus the synonyms
people write in spreadsheets, so the admin, the API and the imports read them the same way.
"""

from functools import cache

from django.db import models
from django.utils.translation import gettext_lazy as _

from territoires.text import fold


class Public(models.TextChoices):
    BPI = "bpi", _("Bénéficiaires de la protection internationale")
    PRIMO_ARRIVANTS = "primo-arrivants", _("Primo-arrivants")
    DEMANDEURS_ASILE = "demandeurs-asile", _("Demandeurs d'asile")
    FEMMES = "femmes", _("Femmes")
    JEUNES = "jeunes", _("Jeunes 16-25 ans")
    FAMILLES = "familles", _("Familles")
    SENIORS = "seniors", _("Seniors")
    HANDICAP = "handicap", _("Personnes en situation de handicap")
    TOUS = "tous-publics", _("Tous publics")


class StatutProtection(models.TextChoices):
    REFUGIE = "refugie", _("Réfugié")
    PROTECTION_SUBSIDIAIRE = "protection-subsidiaire", _("Protection subsidiaire")
    PROTECTION_TEMPORAIRE = "protection-temporaire", _("Protection temporaire")
    APATRIDE = "apatride", _("Apatride")
    DEMANDEUR_ASILE = "demandeur-asile", _("Demandeur d'asile")


class NiveauFrancais(models.TextChoices):
    """The minimum French level required to follow the action (CECRL), ordered."""

    AUCUN = "aucun", _("Aucun niveau requis")
    ALPHA = "alpha", _("Alphabétisation")
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"
    C2 = "C2", "C2"

    @classmethod
    def rank(cls, value: str) -> int:
        return [c.value for c in cls].index(value)


class Modalite(models.TextChoices):
    PRESENTIEL = "presentiel", _("En présentiel")
    DISTANCE = "distance", _("À distance")
    MIXTE = "mixte", _("Mixte")


class Statut(models.TextChoices):
    BROUILLON = "brouillon", _("Brouillon")
    SOUMIS = "soumis", _("Soumis à modération")
    PUBLIE = "publie", _("Publié")
    ARCHIVE = "archive", _("Archivé")


class TypeStructure(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    ETAT = "etat", _("Service de l'État")
    COLLECTIVITE = "collectivite", _("Collectivité")
    OPERATEUR_AGIR = "operateur-agir", _("Opérateur AGIR")
    ORGANISME_FORMATION = "organisme-formation", _("Organisme de formation")
    ENTREPRISE = "entreprise", _("Entreprise")
    AUTRE = "autre", _("Autre")


class Precision(models.TextChoices):
    ADRESSE = "adresse", _("Adresse")
    RUE = "rue", _("Rue")
    COMMUNE = "commune", _("Commune")


SYNONYMS: dict[type[models.TextChoices], dict[str, str]] = {
    Public: {
        "bpi": "bpi", "refugies": "bpi", "refugie": "bpi", "beneficiaires de la protection internationale": "bpi",
        "protection internationale": "bpi", "primo arrivants": "primo-arrivants", "primo arrivant": "primo-arrivants",
        "etrangers primo arrivants": "primo-arrivants", "nouveaux arrivants": "primo-arrivants",
        "demandeurs d asile": "demandeurs-asile", "demandeur d asile": "demandeurs-asile", "da": "demandeurs-asile",
        "femmes": "femmes", "femme": "femmes", "jeunes": "jeunes", "jeunes 16 25 ans": "jeunes",
        "16 25 ans": "jeunes", "moins de 26 ans": "jeunes", "familles": "familles", "famille": "familles",
        "parents": "familles", "seniors": "seniors", "handicap": "handicap", "tous publics": "tous-publics",
        "tout public": "tous-publics", "tous": "tous-publics",
    },
    StatutProtection: {
        "refugie": "refugie", "refugies": "refugie", "statut de refugie": "refugie",
        "protection subsidiaire": "protection-subsidiaire", "ps": "protection-subsidiaire",
        "protection temporaire": "protection-temporaire", "pt": "protection-temporaire",
        "apatride": "apatride", "apatrides": "apatride", "demandeur d asile": "demandeur-asile",
        "demandeurs d asile": "demandeur-asile",
    },
    NiveauFrancais: {
        "aucun": "aucun", "aucun niveau requis": "aucun", "sans prerequis": "aucun", "aucun prerequis": "aucun",
        "non": "aucun", "debutant": "aucun", "tous niveaux": "aucun", "alpha": "alpha",
        "alphabetisation": "alpha", "analphabete": "alpha", "post alpha": "A1", "a1": "A1", "a1 1": "A1",
        "a2": "A2", "b1": "B1", "b2": "B2", "c1": "C1", "c2": "C2",
    },
    Modalite: {
        "presentiel": "presentiel", "en presentiel": "presentiel", "sur place": "presentiel",
        "distance": "distance", "a distance": "distance", "en ligne": "distance", "distanciel": "distance",
        "telephone": "distance", "mixte": "mixte", "hybride": "mixte", "presentiel et distance": "mixte",
    },
    TypeStructure: {
        "association": "association", "asso": "association", "etat": "etat", "service de l etat": "etat",
        "ddets": "etat", "dreets": "etat", "prefecture": "etat", "ofii": "etat", "collectivite": "collectivite",
        "commune": "collectivite", "mairie": "collectivite", "departement": "collectivite",
        "ccas": "collectivite", "operateur agir": "operateur-agir", "agir": "operateur-agir",
        "organisme de formation": "organisme-formation", "of": "organisme-formation",
        "entreprise": "entreprise", "autre": "autre",
    },
}


def match(vocabulary: type[models.TextChoices], text: str | None) -> str | None:
    """The vocabulary value for what a person wrote ("Protection subsidiaire", "A 2", "FLE A1"),
    or None when nothing matches. Values, labels and synonyms are all accepted, folded."""
    key = fold(text)
    if not key:
        return None
    table = _table(vocabulary)
    return table.get(key) or table.get(key.replace(" ", ""))


@cache
def _table(vocabulary: type[models.TextChoices]) -> dict[str, str]:
    """Folded values, French labels and synonyms -> value; built once per vocabulary."""
    from django.utils import translation

    table = dict(SYNONYMS.get(vocabulary, {}))
    with translation.override("fr"):
        for choice in vocabulary:
            table.setdefault(fold(choice.value), choice.value)
            table.setdefault(fold(str(choice.label)), choice.value)
    return table
