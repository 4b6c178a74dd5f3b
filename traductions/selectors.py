"""Reads: what a page shows in a language, and what a reviewer has to do."""

import difflib

from .models import FIELDS, Statut, Traducteur, Traduction


def shown(dispositifs, langue: str, champs=tuple(FIELDS)) -> dict[int, dict[str, dict]]:
    """{dispositif id: {champ: {"texte", "statut"}}} for the translations of the current French (a reviewed
    one, else the machine draft: one row per field); nothing for French. One query for a page."""
    if langue == "fr":
        return {}
    by_id = {d.pk: d for d in dispositifs}
    out: dict[int, dict[str, dict]] = {}
    for t in Traduction.objects.filter(dispositif_id__in=list(by_id), langue=langue, champ__in=list(champs)):
        french = getattr(by_id[t.dispositif_id], t.champ, None)
        if french is None or not t.is_current(french):
            continue  # the French changed since: better French than a translation of something else
        out.setdefault(t.dispositif_id, {})[t.champ] = {"texte": t.texte, "statut": t.statut}
    return out


def texts(dispositifs, langue: str, champs=tuple(FIELDS)) -> dict[int, dict[str, tuple[str, str]]]:
    """{dispositif id: {champ: (text, status)}}: what `shown` serves (status `relu` or `machine`), else the
    French as it is (status `original`). The API's `lang` reads content through this, the pages through
    `shown`: one rule for both."""
    found = shown(dispositifs, langue, champs)
    out = {}
    for d in dispositifs:
        mine = found.get(d.pk, {})
        out[d.pk] = {champ: (mine[champ]["texte"], mine[champ]["statut"]) if champ in mine else
                     (getattr(d, champ, "") or "", "original") for champ in champs}
    return out


def langues_of(user) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        from django.conf import settings

        return [code for code, _name in settings.LANGUAGES if code != "fr"]
    traducteur = Traducteur.objects.filter(user=user).first()
    return list(traducteur.langues) if traducteur else []


def can_translate(user, langue: str) -> bool:
    """The one question the screen asks (a traducteur for that language, or an administrator)."""
    return langue in langues_of(user)


def review_rows(dispositif, langue: str) -> list[dict]:
    """Each field side by side: the French now, the translation, its status, and what changed in French
    since it was translated (a word diff), for the translation screen."""
    existing = {t.champ: t for t in dispositif.traductions.filter(langue=langue)}
    rows = []
    for champ, label in FIELDS.items():
        french = getattr(dispositif, champ) or ""
        if not french:
            continue
        t = existing.get(champ)
        changed = []
        if t is not None and not t.is_current(french):
            changed = [(op[0], op[2:]) for op in difflib.ndiff(t.source.split(), french.split()) if op[0] in "+-"]
        rows.append({"champ": champ, "label": label, "french": french, "texte": t.texte if t else "",
                     "statut": t.statut if t else "", "changed": changed,
                     "to_review": t is None or t.statut == Statut.MACHINE or bool(changed)})
    return rows


def to_review(langues: list[str], limit: int = 100):
    """Dispositifs with a machine draft or an outdated translation in these languages (most recent first)."""
    return (Traduction.objects.filter(langue__in=langues, statut=Statut.MACHINE)
            .values("dispositif_id", "dispositif__title", "langue").distinct()
            .order_by("langue", "dispositif__title")[:limit])
