"""Helpers shared by the maps API views: attribution, JSON errors, theme checking."""

from django.http import JsonResponse
from django.utils import timezone

ATTRIBUTION = ("Annuaire des dispositifs d'intégration des réfugiés ; données des producteurs cités "
               "(colonne source) ; territoires INSEE COG et IGN ADMIN EXPRESS (Licence Ouverte 2.0).")
ATTRIBUTION_ASCII = ("Annuaire des dispositifs d'integration des refugies; donnees des producteurs cites "
                     "(source); territoires INSEE COG, IGN ADMIN EXPRESS (Licence Ouverte 2.0)")
LICENCE = "Licence Ouverte 2.0 (Etalab)"


def generated_at() -> str:
    return timezone.localtime().isoformat(timespec="seconds")


def error(status: int, detail: str, **extra) -> JsonResponse:
    """API errors are JSON with a sentence a person can act on."""
    return JsonResponse({"detail": detail, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


class BadRequest(Exception):
    """A parameter a person must fix; views turn it into a 400 JSON answer."""


def check_theme(slug: str | None, *, root_only: bool = False) -> str | None:
    from dispositifs.models import Theme

    if not slug:
        return None
    qs = Theme.objects.roots() if root_only else Theme.objects.all()
    if not qs.filter(slug=slug).exists():
        raise BadRequest(f"thème inconnu : « {slug} ». Les thèmes sont listés par les catégories de "
                         f"data·inclusion, par exemple « lecture-ecriture-calcul » ou « sante ».")
    return slug


def check_km(value, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        km = float(value)
    except ValueError:
        raise BadRequest(f"km doit être un nombre de kilomètres (par exemple 10), pas « {value} ».") from None
    if not 0 < km <= 200:
        raise BadRequest("km doit être compris entre 0 et 200.")
    return km
