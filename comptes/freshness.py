"""Freshness: `last_verified` is set when a person confirms or edits a fiche. Reminders go to the
people responsible for fiches older than FRESHNESS_MONTHS, with a signed, expiring one-click link."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from dispositifs.models import Dispositif
from dispositifs.services import confirm_verified
from dispositifs.vocabulaires import Statut

from . import permissions
from .models import Compte, Role

SALT = "comptes.freshness.toujours-a-jour"
LINK_MAX_AGE = timedelta(days=30)


class BadLink(Exception):
    pass


def stale_dispositifs(months: int | None = None):
    months = settings.FRESHNESS_MONTHS if months is None else months
    limit = timezone.localdate() - timedelta(days=round(30.44 * months))
    return Dispositif.objects.filter(status=Statut.PUBLIE).filter(
        Q(last_verified__isnull=True) | Q(last_verified__lt=limit))


def link(user, d: Dispositif) -> str:
    token = signing.dumps({"u": user.pk, "d": d.pk}, salt=SALT, compress=True)
    return settings.SITE_URL.rstrip("/") + reverse("espace:verifie", args=[token])


def read_link(token: str):
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise BadLink("Ce lien a expiré : ouvrez la fiche dans votre espace pour la confirmer.") from None
    except signing.BadSignature:
        raise BadLink("Ce lien n'est pas valide.") from None
    user = get_user_model().objects.filter(pk=data["u"], is_active=True).first()
    d = Dispositif.objects.filter(pk=data["d"]).first()
    if user is None or d is None or not permissions.can_edit(user, d):
        raise BadLink("Ce lien ne correspond plus à une fiche dont vous avez la charge.")
    return user, d


def confirm(user, d: Dispositif, *, via: str) -> Dispositif:
    return confirm_verified(d, user=user, via=via)


def responsible(stale) -> dict:
    """{user: [dispositifs]}: the members of each fiche's structure; for a fiche whose structure has
    no member, the operators of the territories it touches. One query per operator, not per fiche."""
    comptes = Compte.objects.select_related("user").filter(user__is_active=True).exclude(user__email="")
    members = defaultdict(list)
    for c in comptes.filter(role=Role.STRUCTURE):
        members[c.structure_id].append(c.user)
    per_user, orphans = defaultdict(list), []
    for d in stale:
        if members.get(d.structure_id):
            for user in members[d.structure_id]:
                per_user[user].append(d)
        else:
            orphans.append(d)
    for c in comptes.filter(role=Role.OPERATEUR) if orphans else ():
        mine = set(permissions.editable_dispositifs(c.user).filter(pk__in=[d.pk for d in orphans])
                   .values_list("pk", flat=True))
        per_user[c.user].extend(d for d in orphans if d.pk in mine)
    return {user: items for user, items in per_user.items() if items}


def send_reminders(*, months: int | None = None) -> tuple[int, int]:
    """One email per person listing their stale fiches; returns (emails, fiches reminded)."""
    per_user = responsible(list(stale_dispositifs(months).order_by("pk")))
    fiches = len({d.pk for items in per_user.values() for d in items})
    for user, items in per_user.items():
        rows = [{"dispositif": d, "confirm": link(user, d),
                 "edit": settings.SITE_URL.rstrip("/") + reverse("espace:modifier", args=[d.pk])} for d in items]
        send_mail(f"{len(rows)} fiche(s) à vérifier sur l'Annuaire de l'intégration",
                  render_to_string("espace/emails/rappel.txt", {"user": user, "rows": rows,
                                                                 "months": months or settings.FRESHNESS_MONTHS}),
                  None, [user.email])
    return len(per_user), fiches
