"""The personal space (/espace/): dashboard, editing with moderation, history, invitations, API
token, one-click freshness. Thin views: permissions are `comptes.permissions`, writes
`comptes.moderation` / `comptes.services`, reads `espace.selectors`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from comptes import freshness, history, moderation, permissions
from comptes.models import Proposition
from comptes.services import AccountError, api_token, invite
from dispositifs.models import Dispositif
from dispositifs.services import payload_of

from . import selectors
from .forms import DispositifForm, InvitationForm, LieuFormSet, RenvoiForm, lieux_initial, lieux_payload


def _require_account(user):
    if permissions.role(user) is None:
        raise PermissionDenied(_("Votre compte n'a pas de rôle : demandez une invitation à un opérateur."))


@login_required
def tableau(request):
    _require_account(request.user)
    return render(request, "espace/tableau.html", selectors.dashboard(request.user))


@login_required
def liste(request):
    _require_account(request.user)
    qs = permissions.editable_dispositifs(request.user).select_related("structure").order_by("title", "pk")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(structure__name__icontains=q))
    if request.GET.get("statut"):
        qs = qs.filter(status=request.GET["statut"])
    if request.GET.get("ancien"):
        qs = selectors.stale(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "espace/liste.html", {"page": page, "q": q})


def _form_errors(form, formset, error: ValidationError) -> None:
    for key, messages_ in error.message_dict.items():
        if key.startswith("lieux.") and key[6:].isdigit() and int(key[6:]) <= len(formset.forms):
            formset.forms[int(key[6:]) - 1].add_error(None, messages_)
        elif key.startswith("couverture."):
            form.add_error(key.split(".", 1)[1] if key.split(".", 1)[1] in form.fields else None, messages_)
        else:
            form.add_error(key if key in form.fields else None, messages_)


def _edit(request, current: Dispositif | None):
    role = permissions.role(request.user)
    if request.method == "POST":
        form = DispositifForm(request.POST, role=role)
        formset = LieuFormSet(request.POST, prefix="lieux")
        if form.is_valid() and formset.is_valid():
            payload = form.payload(lieux_payload(formset))
            if current is not None and "national" not in form.fields:
                payload["couverture"]["national"] = current.national
            try:
                outcome = moderation.write(request.user, payload, current=current, full=True, via="web")
            except ValidationError as e:
                _form_errors(form, formset, e)
            else:
                messages.success(request, _("Modification envoyée : elle attend la modération d'un opérateur.")
                                 if outcome.pending else _("Dispositif enregistré et publié."))
                return redirect("espace:fiche", pk=outcome.dispositif.pk)
    else:
        data = payload_of(current) if current else {}
        initial = DispositifForm.initial_from({
            **data, "structure": data.get("structure"),
            "themes": [{"slug": s} for s in data.get("themes", [])],
            "date_debut": data.get("date_debut"), "date_fin": data.get("date_fin")}) if current else {}
        if current is None and permissions.compte(request.user) and permissions.role(request.user) == "operateur":
            initial["departements"] = ", ".join(sorted(permissions.scope(request.user)))[:60]
        form = DispositifForm(initial=initial, role=role)
        formset = LieuFormSet(initial=lieux_initial(data) if current else [], prefix="lieux")
    return render(request, "espace/edition.html", {"form": form, "formset": formset, "dispositif": current})


@login_required
def creer(request):
    _require_account(request.user)
    return _edit(request, None)


@login_required
def modifier(request, pk: int):
    d = get_object_or_404(Dispositif, pk=pk)
    permissions.require_edit(request.user, d)
    return _edit(request, d)


@login_required
def fiche(request, pk: int):
    d = get_object_or_404(Dispositif.objects.select_related("structure"), pk=pk)
    permissions.require_edit(request.user, d)
    proposition = moderation.pending_proposition(d)
    return render(request, "espace/fiche.html", {
        "dispositif": d, "data": payload_of(d), "proposition": proposition,
        "proposed": _proposal_diff(d, proposition), "history": history.changes(d),
        "decisions": d.decisions.select_related("user")[:20],
        "can_publish": permissions.can_publish(request.user, d), "renvoi_form": RenvoiForm(),
        "stale": selectors.stale(Dispositif.objects.filter(pk=d.pk)).exists(),
    })


def _proposal_diff(d: Dispositif, proposition: Proposition | None) -> list[dict]:
    if proposition is None:
        return []
    current, proposed = payload_of(d), proposition.payload["data"]
    return [{"field": key, "old": current.get(key), "new": value} for key, value in proposed.items()
            if key in current and key != "lieux" and current.get(key) != value and not (
                key == "structure" and (value or {}).get("id") == (current.get(key) or {}).get("id"))]


@login_required
@require_POST
def publier(request, pk: int):
    d = get_object_or_404(Dispositif, pk=pk)
    moderation.publish(request.user, d)
    messages.success(request, _("Dispositif publié."))
    return redirect("espace:fiche", pk=pk)


@login_required
@require_POST
def renvoyer(request, pk: int):
    d = get_object_or_404(Dispositif, pk=pk)
    form = RenvoiForm(request.POST)
    if form.is_valid():
        moderation.send_back(request.user, d, comment=form.cleaned_data["comment"])
        messages.success(request, _("Renvoyé à son auteur avec votre commentaire."))
    else:
        messages.error(request, _("Dites à l'auteur ce qu'il faut changer."))
    return redirect("espace:fiche", pk=pk)


@login_required
@require_POST
def archiver(request, pk: int):
    d = get_object_or_404(Dispositif, pk=pk)
    moderation.archive(request.user, d, via="web")
    messages.success(request, _("Dispositif archivé : il n'est plus visible du public."))
    return redirect("espace:fiche", pk=pk)


@login_required
@require_POST
def verifier(request, pk: int):
    """The "toujours à jour" button of the fiche page."""
    d = get_object_or_404(Dispositif, pk=pk)
    permissions.require_edit(request.user, d)
    freshness.confirm(request.user, d, via="web")
    messages.success(request, _("Merci : la fiche est marquée vérifiée aujourd'hui."))
    return redirect("espace:fiche", pk=pk)


def verifier_lien(request, token: str):
    """The link of a reminder email: signed, expiring, names the person and the fiche. Opening it only
    asks; the button (a POST) confirms, so a mail scanner that follows links confirms nothing."""
    try:
        user, d = freshness.read_link(token)
    except freshness.BadLink as e:
        return render(request, "espace/message.html", {"title": _("Lien invalide"), "text": str(e)}, status=400)
    if request.method != "POST":
        return render(request, "espace/verifier_lien.html", {"dispositif": d})
    freshness.confirm(user, d, via="rappel")
    return render(request, "espace/message.html", {
        "title": _("Merci, la fiche est à jour"),
        "text": _("« %(titre)s » est marquée vérifiée aujourd'hui.") % {"titre": d.title}, "dispositif": d})


@login_required
def inviter(request):
    _require_account(request.user)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scope = form.scope()
        if not permissions.can_invite(request.user, **scope):
            raise PermissionDenied(_("Vous ne pouvez inviter que dans votre territoire ou votre structure."))
        try:
            invite(form.cleaned_data["email"], invited_by=request.user, role=scope["role_"],
                   departements=scope["departements"], structure=scope["structure"])
        except AccountError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": form.cleaned_data["email"]})
            return redirect("espace:inviter")
    return render(request, "espace/inviter.html", {"form": form})


@login_required
def jeton(request):
    _require_account(request.user)
    if request.method == "POST":
        Token.objects.filter(user=request.user).delete()
        messages.success(request, _("Nouveau jeton créé ; l'ancien ne fonctionne plus."))
        return redirect("espace:jeton")
    return render(request, "espace/jeton.html", {"token": api_token(request.user)})
