"""Page views: each reads through a selector or the search, then renders. No business logic here."""

import json

from django.core.paginator import EmptyPage, Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from dispositifs.models import Dispositif, Theme
from dispositifs.recherche import SearchTimeout, parse_filters
from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public
from horaires.models import Fermeture
from territoires.models import Departement
from traductions import selectors as traductions

from . import presenters, search_page, selectors
from .themes import shortcuts


@require_GET
def home(request):
    return render(request, "annuaire/home.html", {"shortcuts": shortcuts()})


@require_GET
def dispositif_detail(request, pk: int):
    try:
        dispositif = selectors.dispositif_for_page(pk)
    except Dispositif.DoesNotExist:
        raise Http404("Dispositif inconnu ou non publié.") from None
    lieux = list(dispositif.lieux.all())
    now = timezone.localtime().replace(tzinfo=None)
    closures = list(Fermeture.objects.filter(dispositif=dispositif).upcoming(now.date()))
    for lieu in lieux:  # the week in the page language, "ouvert maintenant", closures; else the text as written
        lieu.closures = [f for f in closures if f.lieu_id in (None, lieu.pk)]
        closed_now = any(f.debut <= now.date() <= f.fin for f in lieu.closures)
        lieu.week = presenters.opening_week(lieu.opening_hours, now.date())
        lieu.status = _("Fermé temporairement") if closed_now and lieu.week else \
            presenters.opening_status(lieu.opening_hours, now)
    points = [{"lat": round(lieu.point.y, 5), "lon": round(lieu.point.x, 5), "title": lieu.name or dispositif.title,
               "place": lieu.commune.nom} for lieu in lieux]
    departement = lieux[0].commune.departement_id if lieux else None
    # Shared links keep the page's language: the person receiving it reads the fiche as it was shown.
    share_url = request.build_absolute_uri(dispositif.get_absolute_url()) + f"?lang={translation.get_language()}"
    lang = translation.get_language()
    original = request.GET.get("vo") == "fr"  # "voir en français"
    translations = traductions.shown([dispositif], lang).get(dispositif.pk, {})
    return render(request, "annuaire/dispositif_detail.html", {
        "dispositif": dispositif,
        "content": presenters.content(dispositif, translations, lang=lang, original=original),
        "original": original, "has_translation": bool(translations),
        "lieux": lieux,
        "facts": presenters.facts(dispositif),
        "themes": list(dispositif.themes.all()),
        "map_points": points,
        "outline_code": departement,
        "share_url": share_url,
        "share_text": f"{dispositif.title} {share_url}",
        "back_url": _results_url(request.GET.get("retour", "")),
    })


def _results_url(url: str) -> str:
    """Only a link back to our own results page (the value comes from the query string)."""
    return url if url.startswith("/recherche/?") and "\\" not in url else ""


@require_GET
def departement(request, code: str):
    """The département's local actions grouped by theme then commune, with the search's filters."""
    dep = get_object_or_404(Departement.objects.select_related("region"), code=code.upper())
    context = {"departement": dep, "outline_code": dep.code, "params": request.GET, "error": None,
               "publics": Public.choices, "niveaux": NiveauFrancais.choices, "modalites": Modalite.choices,
               "all_themes": [{"slug": t.slug} for t in Theme.objects.roots().order_by("position", "slug")]}
    try:
        filters = parse_filters(request.GET)
    except search_page.InvalidSearch as exc:
        context.update(error=exc.detail, total=0, groups=[], map_points=[])
        return render(request, "annuaire/departement.html", context, status=400)
    dispositifs = selectors.departement_dispositifs(dep).matching(filters)
    positions = {t.slug: (t.position, t.slug) for t in Theme.objects.roots()}
    groups = sorted(selectors.departement_groups(dep, dispositifs), key=lambda g: positions.get(g["slug"], (99, "")))
    context.update(filters=filters, total=dispositifs.count(), groups=groups, filtered=any(
        request.GET.get(k) for k in ("theme", "public", "gratuit", "modalite", "niveau_francais")),
        map_points=selectors.map_points(selectors.departement_lieux(dep, dispositifs)))
    return render(request, "annuaire/departement.html", context)


@require_GET
@cache_control(max_age=86400, public=True)
def departement_outline(request, code: str):
    """GeoJSON outline drawn under the points, so a map stays readable when tiles cannot load."""
    geojson = selectors.outline_geojson(code.upper())
    if geojson is None:
        return HttpResponse(json.dumps({"detail": "Département inconnu : utilisez un code comme 21 ou 2A."}),
                            status=404, content_type="application/json")
    return HttpResponse(geojson, content_type="application/geo+json")


@require_GET
def recherche(request):
    """Results of the same search as /api/v1/recherche/, grouped by reason; a plain GET form."""
    params = request.GET
    context = {"rayons": search_page.RAYONS_KM, "lieu_text": params.get("lieu", ""), "error": None,
               "publics": Public.choices, "niveaux": NiveauFrancais.choices, "modalites": Modalite.choices,
               "params": params, "ouvert_days": search_page.ouvert_choices(), "ouvert": params.get("ouvert", "")}
    try:
        place, filters, result = search_page.run(params)
    except search_page.AmbiguousPlace as exc:
        # Never guessed: the person picks among the communes (name, département, postal code).
        context.update(candidats=exc.candidats, ambiguous_homonyms=exc.homonyms)
        return render(request, "annuaire/recherche.html", context)
    except search_page.PlaceNotFound as exc:
        context.update(error=_("Nous n'avons pas trouvé ce lieu. Vérifiez l'orthographe ou écrivez le code postal."),
                       error_detail=exc.detail, suggestions=search_page.suggestions(params.get("lieu", "")))
        return render(request, "annuaire/recherche.html", context, status=400)
    except search_page.InvalidSearch as exc:
        context.update(error=_("Un filtre n'est pas valide : corrigez-le puis relancez la recherche."),
                       error_detail=exc.detail)
        return render(request, "annuaire/recherche.html", context, status=400)
    except SearchTimeout:
        context.update(error=_("La recherche a pris trop de temps. Réessayez avec un rayon plus petit ou un thème."))
        return render(request, "annuaire/recherche.html", context, status=503)
    if place is None:
        return render(request, "annuaire/recherche.html", context)

    paginator = Paginator(result, search_page.PAGE_SIZE)  # its count comes with page 1's statement
    try:
        number = paginator.validate_number(_page_number(params.get("page")))
    except EmptyPage:
        number = paginator.num_pages
    results = result.page(number, search_page.PAGE_SIZE)  # the same (offset, size) as the count's: no re-run
    page, count = Page(results, number, paginator), result.count
    _add_contacts_and_hours(results)
    translated = traductions.shown([r.dispositif for r in results], translation.get_language(), ("title", "summary"))
    for r in results:  # the card's title and summary in the page language when a translation exists
        r.content = presenters.content(r.dispositif, translated.get(r.dispositif.id, {}),
                                       lang=translation.get_language(), original=False)
    points = [{"lat": round(r.lieu_proche.point.y, 5), "lon": round(r.lieu_proche.point.x, 5),
               "title": r.dispositif.title, "url": r.dispositif.get_absolute_url(), "place": r.lieu_proche.commune.nom}
              for r in results if r.lieu_proche is not None]
    nearby = sum(1 for r in results if r.portee == "proximite")
    context.update(
        place=place, filters=filters, result=result, page=page, count=count,
        groups=search_page.group_by_portee(results),
        facets=search_page.theme_facets(search_page.facettes_for_switching(place, filters, result), filters.themes),
        map_points=points, outline_code=place.departement.code,
        wider=search_page.wider_radius(filters.rayon_km) if nearby == 0 and page.number == 1 else None,
        here=request.get_full_path(),
        lieu_text=params.get("lieu") or place.label,
    )
    if not place.point.equals(place.commune.centre):  # a position: keep it for the next filter change
        context.update(point_lat=f"{place.point.y:.5f}", point_lon=f"{place.point.x:.5f}")
    return render(request, "annuaire/recherche.html", context)


def _add_contacts_and_hours(results) -> None:
    """Each row gets `phone`, `website` and `open_status` ("Ouvert maintenant · ferme à 17:00") for the card
    and the printed sheet (three queries for the page, selectors.page_extras); a lieu closed today by a
    temporary closure says so, as the `ouvert` filter counts it."""
    now = timezone.localtime().replace(tzinfo=None)
    extras = selectors.page_extras(results, now.date())
    for r in results:
        extra = extras.get(r.dispositif.id, {})
        r.phone, r.website = extra.get("phone", ""), extra.get("website", "")
        r.open_status = presenters.opening_status(extra.get("hours", ""), now)
        if r.open_status and extra.get("closed"):
            r.open_status = _("Fermé temporairement")
        r.hours_text = "" if r.open_status else extra.get("hours", "")


def _page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1
