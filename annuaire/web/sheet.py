"""Paper for a social worker to hand out (issue #14): a results list as a compact printable sheet, and the
same sheet as a PDF guide for a commune and a theme (WeasyPrint, Debian's Noto fonts, Arabic shaped).

One template for both; every fiche carries a QR code to its page in the sheet's language (segno, SVG)."""

import segno
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import presenters, search_page, selectors
from .themes import theme_label

SHEET_MAX = 40  # a guide is a few pages, not the catalogue


def qr_svg(url: str) -> str:
    """An inline SVG QR code (segno writes the markup; the URL is ours)."""
    return segno.make(url, error="m").svg_inline(scale=2, border=1, omitsize=False)


def _week_line(value: str, today) -> str:
    rows = presenters.opening_week(value, today)
    return " · ".join(f"{r['day']} {r['hours']}" for r in rows if not r["closed"])


def sheet_context(request) -> dict | None:
    """The sheet's content for the query string, or None without a place (the search's own errors raise)."""
    place, filters, result = search_page.run(request.GET)
    if place is None:
        return None
    lang = translation.get_language()
    rows = result.page(1, SHEET_MAX)
    extras = selectors.page_extras(rows)
    today = timezone.localdate()
    fiches = []
    for r in rows:
        extra = extras.get(r.dispositif.id, {})
        url = request.build_absolute_uri(r.dispositif.get_absolute_url()) + "?" + urlencode({"lang": lang})
        fiches.append({"r": r, "phone": extra.get("phone", ""), "website": extra.get("website", ""),
                       "hours": _week_line(extra.get("hours", ""), today) or extra.get("hours", ""),
                       "url": url, "qr": qr_svg(url)})
    query = request.GET.copy()
    query["lang"] = lang
    search_url = request.build_absolute_uri("/recherche/") + "?" + query.urlencode()
    return {"place": place, "filters": filters, "count": result.count, "fiches": fiches, "today": today,
            "themes": [theme_label(slug)[0] for slug in filters.themes], "search_url": search_url,
            "search_qr": qr_svg(search_url), "more": max(0, result.count - len(fiches))}


@require_GET
def feuille(request):
    """The results as a compact sheet to print (HTML)."""
    try:
        context = sheet_context(request)
    except search_page.InvalidSearch as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain; charset=utf-8")
    if context is None:
        return HttpResponse(_("Indiquez une commune ou un code postal."), status=400,
                            content_type="text/plain; charset=utf-8")
    return render(request, "annuaire/feuille.html", {**context, "pdf": False})


@require_GET
def guide_pdf(request):
    """The same sheet as a PDF (A4), e.g. /recherche/guide.pdf?commune=21166&theme=sante&lang=ar."""
    from weasyprint import CSS, HTML

    try:
        context = sheet_context(request)
    except search_page.InvalidSearch as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain; charset=utf-8")
    if context is None:
        return HttpResponse(_("Indiquez une commune ou un code postal."), status=400,
                            content_type="text/plain; charset=utf-8")
    html = render_to_string("annuaire/feuille.html", {**context, "pdf": True}, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(filename=finders.find("annuaire/feuille.css"))])
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(f"guide-{context['place'].commune.nom}-{'-'.join(context['filters'].themes)}")[:80]
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response
