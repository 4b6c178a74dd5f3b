"""Web import: upload a spreadsheet for one of my sources, a dry run in the background, a preview
(problems by cause, unknown values to map, rejected rows as XLSX), then the real import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptes import permissions
from comptes.models import Role, Source
from dispositifs.models import Theme

from . import televersements
from .models import Televersement


def my_sources(user):
    if permissions.role(user) == Role.NATIONAL:
        return Source.objects.all()
    compte = permissions.compte(user)
    return compte.sources.all() if compte else Source.objects.none()


def _require_source(user, slug: str) -> None:
    if not permissions.can_import(user, slug):
        raise PermissionDenied(_("Cette source d'import n'est pas confiée à votre compte."))


def _upload(user, pk: int) -> Televersement:
    t = get_object_or_404(Televersement.objects.select_related("source", "essai", "run"), pk=pk)
    _require_source(user, t.source_id)
    return t


@login_required
def imports(request):
    if request.method == "POST":
        slug = request.POST.get("source", "")
        _require_source(request.user, slug)
        upload = request.FILES.get("fichier")
        if upload is None:
            messages.error(request, _("Choisissez un fichier."))
            return redirect("espace:imports")
        t = televersements.start(user=request.user, source=get_object_or_404(Source, slug=slug), upload=upload)
        return redirect("espace:import", pk=t.pk)
    source = request.GET.get("source", "")
    if source:
        _require_source(request.user, source)
    elif permissions.role(request.user) not in (Role.NATIONAL, Role.OPERATEUR):
        raise PermissionDenied(_("Seuls les opérateurs importent des fichiers."))
    return render(request, "espace/imports.html", {
        "sources": my_sources(request.user), "source": source,
        "uploads": Televersement.objects.filter(user=request.user).select_related("essai", "run")[:20]})


@login_required
def televersement(request, pk: int):
    t = _upload(request.user, pk)
    context = {"t": t, **televersements.preview(t)}
    if context.get("unknown"):
        context["theme_choices"] = [(th.slug, ("— " if th.parent_id else "") + th.label)
                                    for th in Theme.objects.order_by("parent_id", "position", "slug")]
    return render(request, "espace/televersement.html", context)


@login_required
@require_POST
def correspondances(request, pk: int):
    """The operator's choices for unknown values, kept for the source; the dry run runs again."""
    t = _upload(request.user, pk)
    mapping = {request.POST[key]: request.POST.get(f"cible-{key[7:]}", "")
               for key in request.POST if key.startswith("valeur-")}
    n = televersements.remember(t.source, "themes", mapping)
    messages.success(request, _("%(n)s valeur(s) associée(s) au vocabulaire ; nouvel essai lancé.") % {"n": n})
    televersements.defer(t, dry_run=True)
    return redirect("espace:import", pk=pk)


@login_required
@require_POST
def confirmer(request, pk: int):
    t = _upload(request.user, pk)
    if t.etat != Televersement.Etat.APERCU:
        messages.error(request, _("L'essai n'est pas terminé."))
    else:
        televersements.defer(t, dry_run=False)
    return redirect("espace:import", pk=pk)


@login_required
def rejets(request, pk: int):
    t = _upload(request.user, pk)
    response = HttpResponse(televersements.rejected_xlsx(t),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="rejets-{t.pk}.xlsx"'
    return response
