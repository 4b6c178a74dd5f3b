"""Writes: machine drafts from the translation service, and a person's review."""

from django.db import transaction

from .client import translate
from .models import FIELDS, Statut, Traduction, source_hash


def machine_drafts(dispositif, *, langues: list[str]) -> int:
    """Ask the service for the fields whose French has no current translation; a reviewed translation of
    the current French is never replaced. Returns the number of drafts written."""
    written = 0
    for langue in langues:
        existing = {t.champ: t for t in dispositif.traductions.filter(langue=langue)}
        todo = [(champ, getattr(dispositif, champ)) for champ in FIELDS if getattr(dispositif, champ)
                and not (champ in existing and existing[champ].is_current(getattr(dispositif, champ)))]
        if not todo:
            continue
        texts = translate([text for _champ, text in todo], target=langue)
        with transaction.atomic():
            for (champ, french), text in zip(todo, texts, strict=True):
                Traduction.objects.update_or_create(
                    dispositif=dispositif, langue=langue, champ=champ,
                    defaults={"texte": text, "statut": Statut.MACHINE, "source": french,
                              "source_hash": source_hash(french), "relu_par": None})
                written += 1
    return written


def review(dispositif, *, langue: str, textes: dict[str, str], user) -> int:
    """A person's translation of the current French: saved as reviewed. Empty texts are left out."""
    saved = 0
    with transaction.atomic():
        for champ, text in textes.items():
            french = getattr(dispositif, champ, "")
            if champ not in FIELDS or not french or not (text or "").strip():
                continue
            Traduction.objects.update_or_create(
                dispositif=dispositif, langue=langue, champ=champ,
                defaults={"texte": text.strip(), "statut": Statut.RELU, "source": french,
                          "source_hash": source_hash(french), "relu_par": user})
            saved += 1
    return saved
