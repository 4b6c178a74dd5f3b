"""Theme labels for the interface: the 16 categories translated, and the shortcuts on the home page.

Theme labels live in the database in French; every category and sub-theme gets one interface label
here, translated in locale/ (sub-themes in theme_labels.py), so a theme reads the same on every page.
"""

from django.utils.translation import gettext_lazy as _

from .theme_labels import SUBTHEME_LABELS

CATEGORY_LABELS = {
    "choisir-un-metier": _("Choisir un métier"),
    "creer-une-entreprise": _("Créer une entreprise"),
    "difficultes-administratives-ou-juridiques": _("Démarches et droits"),
    "difficultes-financieres": _("Difficultés financières"),
    "equipement-et-alimentation": _("Équipement et alimentation"),
    "famille": _("Famille"),
    "lecture-ecriture-calcul": _("Lire, écrire, compter"),
    "logement-hebergement": _("Logement et hébergement"),
    "mobilite": _("Mobilité"),
    "numerique": _("Numérique"),
    "preparer-sa-candidature": _("Préparer sa candidature"),
    "remobilisation": _("Reprendre confiance"),
    "sante": _("Santé"),
    "se-former": _("Se former"),
    "souvrir-a-linternational": _("S'ouvrir à l'international"),
    "trouver-un-emploi": _("Trouver un emploi"),
    "lecture-ecriture-calcul--maitriser-le-francais": _("Apprendre le français"),
}

# (slug, DSFR icon): the needs people come with most, in that order.
SHORTCUTS = [
    ("lecture-ecriture-calcul--maitriser-le-francais", "fr-icon-translate-2"),
    ("trouver-un-emploi", "fr-icon-briefcase-line"),
    ("se-former", "fr-icon-book-2-line"),
    ("logement-hebergement", "fr-icon-home-4-line"),
    ("sante", "fr-icon-heart-pulse-line"),
    ("difficultes-administratives-ou-juridiques", "fr-icon-scales-3-line"),
    ("famille", "fr-icon-parent-line"),
    ("mobilite", "fr-icon-bus-line"),
    ("numerique", "fr-icon-computer-line"),
    ("difficultes-financieres", "fr-icon-money-euro-circle-line"),
]


def theme_label(theme) -> tuple[str, bool]:
    """(label, translated): the interface label of a theme, and whether it is in the page language."""
    slug = getattr(theme, "slug", theme)
    if slug in CATEGORY_LABELS:
        return str(CATEGORY_LABELS[slug]), True
    if slug in SUBTHEME_LABELS:
        return str(SUBTHEME_LABELS[slug]), True
    return getattr(theme, "label", slug), False


def shortcuts():
    return [{"slug": slug, "icon": icon, "label": CATEGORY_LABELS[slug]} for slug, icon in SHORTCUTS]
