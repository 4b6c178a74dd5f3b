"""Small presentation helpers for the web pages (labels, distances, phone links)."""

import re

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _

from annuaire.web.themes import theme_label

register = template.Library()


@register.simple_tag
def theme_name(theme):
    """A theme's label in the page language when we have one, else its French label marked lang="fr"."""
    label, translated = theme_label(theme)
    if translated:
        return label
    return format_html('<span lang="fr">{}</span>', label)


@register.filter
def distance(metres):
    """850 m, 1,2 km, 35 km — in the page's number format."""
    if metres is None:
        return ""
    metres = float(metres)
    if metres < 1000:
        return _("%(n)s m") % {"n": formats.number_format(round(metres / 10) * 10, 0)}
    if metres < 10000:
        return _("%(n)s km") % {"n": formats.number_format(metres / 1000, 1)}
    return _("%(n)s km") % {"n": formats.number_format(round(metres / 1000), 0)}


@register.filter
def tel_href(phone):
    """`tel:` link for a French number as stored (`01 23 45 67 89`, `+33 1 ...`)."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    return f"tel:{digits}"


@register.filter
def choice_label(value, choices):
    """The label of a vocabulary value (`Public`, `Modalite`...) in the page language."""
    try:
        return choices(value).label
    except ValueError:
        return value


@register.simple_tag
def query(params, **changes):
    """The current query string with some parameters replaced (`page=2`) or removed (`page=None`)."""
    result = params.copy()
    for key, value in changes.items():
        result.pop(key, None)
        if value is not None and value != "":
            result.setlist(key, [value])
    return result.urlencode()
