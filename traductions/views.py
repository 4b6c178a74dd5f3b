"""The translation screen: French and the target language side by side, what changed in French since,
save as reviewed. Only a traducteur of that language (or an administrator) gets in."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from dispositifs.models import Dispositif

from . import selectors, services
from .models import FIELDS


def _lang_name(code: str) -> str:
    return dict(settings.LANGUAGES).get(code, code)


@login_required(login_url="admin:login")
def index(request):
    langues = selectors.langues_of(request.user)
    if not langues:
        raise PermissionDenied("Réservé aux traducteurs.")
    return render(request, "traductions/index.html", {
        "rows": list(selectors.to_review(langues)), "langues": [(c, _lang_name(c)) for c in langues]})


@login_required(login_url="admin:login")
def edit(request, pk: int, langue: str):
    if not selectors.can_translate(request.user, langue):
        raise PermissionDenied("Vous ne traduisez pas vers cette langue.")
    dispositif = get_object_or_404(Dispositif, pk=pk)
    if request.method == "POST":
        textes = {champ: request.POST.get(champ, "") for champ in FIELDS}
        services.review(dispositif, langue=langue, textes=textes, user=request.user)
        return redirect("traductions:edit", pk=pk, langue=langue)
    return render(request, "traductions/edit.html", {
        "dispositif": dispositif, "langue": langue, "langue_name": _lang_name(langue),
        "bidi": langue in settings.LANGUAGES_BIDI,
        "rows": selectors.review_rows(dispositif, langue)})
