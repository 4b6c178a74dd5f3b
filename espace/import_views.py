"""Web import: upload a spreadsheet for one of my sources, a dry run in the background, a preview
(problems by cause, unknown values to map, rejected rows as XLSX), then the real import."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from comptes import permissions
from comptes.models import Role, Source
from imports.models import ImportRun


def my_sources(user):
    if permissions.role(user) == Role.NATIONAL:
        return Source.objects.all()
    compte = permissions.compte(user)
    return compte.sources.all() if compte else Source.objects.none()


def _require_source(user, slug: str) -> None:
    if not permissions.can_import(user, slug):
        raise PermissionDenied(_("Cette source d'import n'est pas confiée à votre compte."))


@login_required
def imports(request):
    source = request.GET.get("source", "")
    if source:
        _require_source(request.user, source)
    elif permissions.role(request.user) not in (Role.NATIONAL, Role.OPERATEUR):
        raise PermissionDenied(_("Seuls les opérateurs importent des fichiers."))
    return render(request, "espace/imports.html", {
        "sources": my_sources(request.user), "source": source,
        "runs": ImportRun.objects.filter(user=request.user).order_by("-started_at")[:20]})
