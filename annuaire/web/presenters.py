"""Turn domain values into the words a page shows, in the page language."""

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public, StatutProtection
from territoires.models import Epci

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
    communes = list(dispositif.communes.all())
    epcis = list(Epci.objects.whole_within(c.code for c in communes))
    if epcis:  # an intercommunalité stored as its communes is named as such
        lines.append(ngettext("Intercommunalité : %(names)s", "Intercommunalités : %(names)s", len(epcis))
                     % {"names": ", ".join(e.nom for e in epcis)})
        grouped = {e.pk for e in epcis}
        communes = [c for c in communes if c.epci_id not in grouped]
    communes = [f"{c.nom} ({c.departement_id})" for c in communes]
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


def _time(t) -> str:
    """9:00, 17:30 — the page language's time format."""
    from django.utils import formats

    return formats.time_format(t, "TIME_FORMAT")


def opening_week(value: str, today) -> list[dict]:
    """The week's opening hours in the page language: [{day, hours, today}], or [] without usable hours
    (OSM syntax, or French text read without guessing: "Lundi et jeudi, 9 h – 12 h")."""
    import datetime as dt

    from django.utils.dates import WEEKDAYS

    from dispositifs import horaires

    monday = today - dt.timedelta(days=today.weekday())
    rows = []
    for weekday, ranges in horaires.week(horaires.normalise(value), monday):
        hours = ", ".join(f"{_time(a)}–{_time(b)}" for a, b in ranges) if ranges else _("Fermé")
        rows.append({"day": str(WEEKDAYS[weekday]), "hours": hours, "today": weekday == today.weekday(),
                     "closed": not ranges})
    return rows if any(not r["closed"] for r in rows) else []


def opening_status(value: str, now) -> str:
    """ "Ouvert maintenant · ferme à 17:00" / "Fermé · ouvre demain à 9:00"; "" without usable hours."""
    import datetime as dt

    from django.utils.dates import WEEKDAYS

    from dispositifs import horaires

    state = horaires.status(horaires.normalise(value), now)
    if state is None:
        return ""
    if state.open:
        if state.change is None:
            return _("Ouvert maintenant")
        return _("Ouvert maintenant · ferme à %(heure)s") % {"heure": _time(state.change.time())}
    if state.change is None or state.change - now > dt.timedelta(days=7):
        return _("Fermé en ce moment")
    if state.change.date() == now.date():
        day = _("aujourd'hui")
    elif state.change.date() == now.date() + dt.timedelta(days=1):
        day = _("demain")
    else:
        day = str(WEEKDAYS[state.change.weekday()])
    return _("Fermé · ouvre %(jour)s à %(heure)s") % {"jour": day, "heure": _time(state.change.time())}


def content(dispositif, translations: dict, *, lang: str, original: bool) -> dict:
    """The texts a page shows for a dispositif: {champ: {"text", "lang", "machine"}} — the translation into
    the page language (reviewed, else a machine draft, marked), else French; French when `original`."""
    shown = {}
    for champ in ("title", "summary", "description", "registration", "price"):
        french = getattr(dispositif, champ, "") or ""
        t = None if original else translations.get(champ)
        shown[champ] = ({"text": t["texte"], "lang": lang, "machine": t["statut"] == "machine"} if t else
                        {"text": french, "lang": "fr", "machine": False})
    shown["translated"] = any(v.get("lang") != "fr" for v in shown.values() if isinstance(v, dict))
    shown["machine"] = any(v.get("machine") for v in shown.values() if isinstance(v, dict))
    return shown
