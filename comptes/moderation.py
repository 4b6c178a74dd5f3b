"""Writes with their moderation: operators publish directly; a structure member's new fiche is
submitted, and its edit of a published fiche is kept as a proposition until an operator applies it
or sends it back with a comment. The web forms and the write API both call `write`."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dispositifs.models import Dispositif
from dispositifs.services import draft_footprint, parse_payload, save_dispositif, set_status
from dispositifs.validation import check_reachable
from dispositifs.vocabulaires import Statut

from . import permissions
from .models import Decision, Proposition


@dataclass
class Outcome:
    dispositif: Dispositif
    proposition: Proposition | None = None

    @property
    def pending(self) -> bool:
        return self.proposition is not None or self.dispositif.status == Statut.SOUMIS


@transaction.atomic
def write(user, data: dict, *, current: Dispositif | None = None, full: bool = True, via: str = "web") -> Outcome:
    """Create (current=None) or edit a dispositif from a payload in the API's shape.

    Raises ValidationError (what to fix, by payload key) or PermissionDenied (a French sentence)."""
    if current is not None:
        permissions.require_edit(user, current)
    draft = parse_payload(data, full=full)
    if permissions.role(user) == "structure" and not (isinstance(data, dict) and data.get("structure")):
        # a member writes for its structure, whatever the payload says
        draft.structure, draft.structure_given = permissions.compte(user).structure, True
    national, deps = draft_footprint(draft, current)
    if not (national or deps):  # found by nobody: say so (400) rather than "outside your territory"
        try:
            check_reachable(national=False, has_coverage=False, has_lieux=False)
        except ValidationError as e:
            raise ValidationError({"couverture": e.messages}) from None
    permissions.require_write(user, draft, current)
    if permissions.publishes_directly(user):
        status = Statut.PUBLIE if current is None or current.status in (Statut.SOUMIS, Statut.BROUILLON) else None
        d = save_dispositif(current, draft, user=user, via=via, status=status)
        if current is not None:
            Proposition.objects.filter(dispositif=d, etat=Proposition.Etat.EN_ATTENTE).update(
                etat=Proposition.Etat.APPLIQUEE)
        return Outcome(d)
    if current is not None and current.status == Statut.PUBLIE:
        # Checked now (errors come back to the author at once), applied when an operator publishes it.
        _validate_only(draft, current)
        proposition, _ = Proposition.objects.update_or_create(
            dispositif=current, etat=Proposition.Etat.EN_ATTENTE,
            defaults={"author": user, "payload": {"data": data, "full": full}})
        Decision.objects.create(dispositif=current, user=user, action=Decision.Action.SOUMIS)
        return Outcome(current, proposition)
    d = save_dispositif(current, draft, user=user, via=via, status=Statut.SOUMIS)
    Decision.objects.create(dispositif=d, user=user, action=Decision.Action.SOUMIS)
    return Outcome(d)


def _validate_only(draft, current: Dispositif) -> None:
    sid = transaction.savepoint()
    try:
        save_dispositif(Dispositif.objects.get(pk=current.pk), draft, user=None, via="validation")
    finally:
        transaction.savepoint_rollback(sid)


def pending_proposition(d: Dispositif) -> Proposition | None:
    return d.propositions.filter(etat=Proposition.Etat.EN_ATTENTE).first()


@transaction.atomic
def publish(user, d: Dispositif) -> Dispositif:
    """An operator of the territory publishes: the pending proposition is applied, the fiche is public."""
    permissions.require_publish(user, d)
    proposition = pending_proposition(d)
    if proposition is not None:
        draft = parse_payload(proposition.payload["data"], full=proposition.payload["full"])
        draft.structure, draft.structure_given = d.structure, True
        if not permissions.can_write(user, draft, d):
            raise PermissionDenied("La proposition sortirait ce dispositif de votre territoire.")
        d = save_dispositif(d, draft, user=proposition.author, via="web", verified=True)
        proposition.etat = Proposition.Etat.APPLIQUEE
        proposition.save(update_fields=["etat"])
    set_status(d, Statut.PUBLIE, user=user, via="moderation")
    Decision.objects.create(dispositif=d, user=user, action=Decision.Action.PUBLIE)
    return d


@transaction.atomic
def send_back(user, d: Dispositif, *, comment: str) -> Dispositif:
    """Sent back to its author with a comment: a submitted fiche returns to draft, a proposition is closed."""
    permissions.require_publish(user, d)
    if not comment.strip():
        raise ValidationError({"comment": "Dites à l'auteur ce qu'il faut changer."})
    proposition = pending_proposition(d)
    if proposition is not None:
        proposition.etat = Proposition.Etat.RENVOYEE
        proposition.save(update_fields=["etat"])
    elif d.status == Statut.SOUMIS:
        set_status(d, Statut.BROUILLON, user=user, via="moderation")
    Decision.objects.create(dispositif=d, user=user, action=Decision.Action.RENVOYE, comment=comment.strip())
    return d


def archive(user, d: Dispositif, *, via: str) -> Dispositif:
    """Deleting keeps the fiche and its history: it is archived (out of the public catalogue)."""
    permissions.require_publish(user, d)
    return set_status(d, Statut.ARCHIVE, user=user, via=via)


def waiting(user):
    """Fiches waiting for this account's moderation."""
    qs = permissions.editable_dispositifs(user)
    return qs.filter(status=Statut.SOUMIS) | qs.filter(propositions__etat=Proposition.Etat.EN_ATTENTE)
