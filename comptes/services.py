"""Writes on accounts: create or update one (command, invitation), its API token, the invitation
and password emails with a signed link (Django's password-reset tokens: single use, expiring)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from territoires.models import Departement, Region

from .models import Compte, Role, Source


class AccountError(ValueError):
    """A sentence for the person creating the account (unknown code, missing structure...)."""


@transaction.atomic
def save_account(email: str, *, role: str, departements=(), regions=(), structure=None, sources=(),
                 invited_by=None, password: str | None = None):
    """Create or update the account of `email` with this role and scope; returns the User."""
    email = email.strip().lower()
    if role not in Role.values:
        raise AccountError(f"rôle inconnu : {role} ({', '.join(Role.values)})")
    deps = list(Departement.objects.filter(code__in=[c.upper().zfill(2) for c in departements]))
    if len(deps) != len(set(departements)):
        raise AccountError(f"département inconnu parmi : {', '.join(departements)}")
    regs = list(Region.objects.filter(code__in=list(regions)))
    if len(regs) != len(set(regions)):
        raise AccountError(f"région inconnue parmi : {', '.join(regions)}")
    if role == Role.OPERATEUR and not (deps or regs):
        raise AccountError("un opérateur a au moins un département ou une région")
    if role == Role.STRUCTURE and structure is None:
        raise AccountError("un membre de structure a une structure")
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first() or User.objects.filter(username=email).first()
    if user is None:
        user = User(username=email, email=email)
        user.set_unusable_password()
    if password:
        user.set_password(password)
    if role == Role.NATIONAL:  # everything, and the Django admin stays theirs (never revoked here)
        user.is_staff = user.is_superuser = True
    user.save()
    compte, _ = Compte.objects.update_or_create(
        user=user, defaults={"role": role, "structure": structure if role == Role.STRUCTURE else None,
                             **({"invited_by": invited_by} if invited_by else {})})
    compte.departements.set(deps if role == Role.OPERATEUR else [])
    compte.regions.set(regs if role == Role.OPERATEUR else [])
    if sources:
        compte.sources.add(*[Source.objects.get_or_create(slug=s)[0] for s in sources])
    return user


def api_token(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def password_link(user, *, purpose: str = "invitation") -> str:
    """An absolute link to choose a password: signed, single use, expiring (PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL.rstrip("/") + reverse("espace:mot-de-passe-choix", args=[uid, token])


def send_invitation(user, *, invited_by) -> None:
    context = {"user": user, "link": password_link(user), "invited_by": invited_by,
               "compte": user.compte, "site": settings.SITE_URL}
    send_mail("Votre compte sur l'Annuaire de l'intégration",
              render_to_string("espace/emails/invitation.txt", context),
              None, [user.email])


def invite(email: str, *, invited_by, **scope):
    """Create the account (no password yet) and email it a link to choose one."""
    user = save_account(email, invited_by=invited_by, **scope)
    send_invitation(user, invited_by=invited_by)
    return user
