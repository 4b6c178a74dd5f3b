"""Turn domain values into the words a page shows, in the page language."""

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public, StatutProtection

# Languages Django does not describe (its LANG_INFO); own names, as their speakers write them.
EXTRA_LANGUAGE_NAMES = {"ps": "پښتو", "ti": "ትግርኛ", "prs": "دری", "so": "Soomaali", "ku": "Kurdî",
                        "ln": "Lingála", "wo": "Wolof", "bm": "Bamanankan", "am": "አማርኛ"}


def label(vocabulary, value) -> str:
    try:
        return str(vocabulary(value).label)
    except ValueError:
        return value


def language_name(code: str) -> str:
    """A language in its own name (العربية, پښتو), which is what its speakers look for."""
    info = LANG_INFO.get(code)
    if info and "name_local" in info:
        return info["name_local"]
    return EXTRA_LANGUAGE_NAMES.get(code, code)


def age_range(dispositif) -> str:
    lo, hi = dispositif.age_min, dispositif.age_max
    if lo is not None and hi is not None:
        return _("de %(min)s à %(max)s ans") % {"min": lo, "max": hi}
    if lo is not None:
        return _("à partir de %(min)s ans") % {"min": lo}
    if hi is not None:
        return _("jusqu'à %(max)s ans") % {"max": hi}
    return ""


def price(dispositif) -> str:
    if dispositif.free:
        return _("Gratuit")
    if dispositif.price:
        return dispositif.price
    if dispositif.free is False:
        return _("Payant")
    return _("Non précisé")


def coverage(dispositif) -> list[str]:
    """Who the action is open to, geographically, as short sentences."""
    if dispositif.national:
        return [_("Toute la France (national ou à distance)")]
    lines = []
    regions = [r.nom for r in dispositif.regions.all()]
    if regions:
        lines.append(ngettext("Région : %(names)s", "Régions : %(names)s", len(regions))
                     % {"names": ", ".join(regions)})
    deps = [f"{d.nom} ({d.code})" for d in dispositif.departements.all()]
    if deps:
        lines.append(ngettext("Département : %(names)s", "Départements : %(names)s", len(deps))
                     % {"names": ", ".join(deps)})
    communes = [f"{c.nom} ({c.departement_id})" for c in dispositif.communes.all()]
    if communes:
        lines.append(ngettext("Commune : %(names)s", "Communes : %(names)s", len(communes))
                     % {"names": ", ".join(communes)})
    if not lines:
        lines.append(_("Les personnes qui peuvent se rendre sur place"))
    return lines


def facts(dispositif) -> dict:
    return {
        "publics": [label(Public, p) for p in dispositif.publics],
        "statuses": [label(StatutProtection, s) for s in dispositif.protection_statuses],
        "ages": age_range(dispositif),
        "french_level": label(NiveauFrancais, dispositif.french_level) if dispositif.french_level else "",
        "languages": [{"code": c, "name": language_name(c)} for c in dispositif.languages],
        "price": price(dispositif),
        "modality": label(Modalite, dispositif.modality) if dispositif.modality else "",
        "coverage": coverage(dispositif),
    }
