"""`{% fraicheur dispositif %}`: "Vérifié le 03/05/2026" or "Non vérifié depuis plus de 6 mois"."""

from django import template
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from espace.selectors import stale_before

register = template.Library()


@register.simple_tag
def fraicheur(dispositif) -> str:
    verified = dispositif.last_verified
    if verified and verified >= stale_before():
        return _("Vérifié le %(date)s") % {"date": date_format(verified, "d/m/Y")}
    return _("Non vérifié depuis plus de %(mois)s mois") % {"mois": settings.FRESHNESS_MONTHS}
