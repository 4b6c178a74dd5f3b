"""`lang` on the read API (issue #14): the content in the person's language, said field by field.

The texts come from `traductions.selectors.texts` (the pages' own rule: a reviewed translation, else the
machine draft, else French) and theme labels from the interface's gettext labels. French answers stay as
they are; in another language each dispositif gets `langue` and `traduction` {field: relue | brouillon |
originale}. `lang` wins; without it an anonymous client's Accept-Language is honoured. A client with an
account (a producer syncing by program) reads French unless it asks, since what it reads it writes back.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispositifs.filters import _Params
from dispositifs.models import Dispositif
from dispositifs.parametres import _Param

CODES = [code for code, _name in settings.LANGUAGES]
# API key -> Dispositif field (traductions.models.FIELDS)
SEARCH_FIELDS = {"titre": "title", "resume": "summary"}
DETAIL_FIELDS = {**SEARCH_FIELDS, "description": "description", "inscription": "registration", "tarif": "price"}
MARKERS = {"relu": "relue", "machine": "brouillon", "original": "originale"}


@extend_schema_field({"type": "string", "enum": CODES})
class Lang(_Param, serializers.CharField):
    def to_internal_value(self, data):
        code = str(data).strip().lower()
        if code not in CODES:
            raise serializers.ValidationError(
                f"lang : langue non proposée « {data} ». Langues : {', '.join(CODES)}.")
        return code


class LangueParams(_Params):
    """`lang` (its parsing, its French 400 and its OpenAPI text)."""

    lang = Lang(required=False, default=None, help_text=(
        "Langue du contenu : fr (défaut), en, ar, ps, fa, ti, ru, uk. Textes traduits relus, sinon brouillon "
        "automatique, sinon français, dit champ par champ dans `traduction` ; libellés de thèmes traduits. Sans "
        "`lang`, l'en-tête Accept-Language d'un client anonyme est suivi. / Content language: reviewed "
        "translation, else machine draft, else French, said per field in `traduction`."))


def _may_be_logged_in(request) -> bool:
    """A session cookie or credentials: only then is the user read (reading it loads the session and the
    authentication machinery, ~0.1 ms of an anonymous search)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META


def requested(request) -> str:
    """The language asked: `lang` (400 when not one of ours), else an anonymous client's Accept-Language,
    else French."""
    lang = LangueParams.parse(request.GET)["lang"] if "lang" in request.GET else None
    if lang:
        return lang
    if _may_be_logged_in(request) and getattr(request, "user", None) is not None and request.user.is_authenticated:
        return "fr"
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return "fr"


def localise(items: list[dict], lang: str, fields: dict[str, str]) -> list[dict]:
    """Put the API dicts `items` (id, French texts, themes) in `lang`, in place, one query; returns them."""
    if lang == "fr" or not items:
        return items
    from annuaire.web.themes import theme_label
    from traductions.selectors import texts

    french = [Dispositif(pk=item["id"], **{champ: item.get(key) or "" for key, champ in fields.items()})
              for item in items]
    found = texts(french, lang, tuple(fields.values()))
    with translation.override(lang):
        for item in items:
            shown = found[item["id"]]
            item["langue"] = lang
            item["traduction"] = {}
            for key, champ in fields.items():
                if key in item:
                    item[key], status = shown[champ]
                    item["traduction"][key] = MARKERS[status]
            for theme in item.get("themes", []):
                label, translated = theme_label(theme["slug"])
                if translated:
                    theme["label"] = label
    return items


def headers(response, request, lang: str):
    """Content-Language, and Vary: Accept-Language when the header may have chosen it."""
    response["Content-Language"] = lang
    patch_vary_headers(response, ("Accept-Language",))
    return response
