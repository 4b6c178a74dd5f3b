"""The DRF fields that parse the search's query parameters, with French messages (the API's 400s);
drf-spectacular describes them in OpenAPI from the same classes. Used by the filter declaration
(dispositifs/filters.py, docs/ARCHITECTURE.md "The filter declaration")."""

import re

from rest_framework import serializers
from rest_framework.fields import empty

from .vocabulaires import match

RAYON_MAX_KM = 200

# A blank value is an absent one (forms send `age=`).
_TRUE = {"1", "true", "oui", "yes", "on", "vrai"}
_FALSE = {"0", "false", "non", "no", "off", "faux"}


class _Param:
    """Blank or whitespace is "not given" (its default, None for most)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(*args, **kwargs)

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if value is None or (isinstance(value, str) and not value.strip()):
            return empty
        return value


class Choix(_Param, serializers.ChoiceField):
    """A value of a vocabulary, written as its value, its French label or a synonym ("À distance")."""

    def __init__(self, vocabulary, **kwargs):
        self.vocabulary = vocabulary
        super().__init__(choices=[c.value for c in vocabulary], **kwargs)

    def to_internal_value(self, data):
        found = match(self.vocabulary, str(data))
        if found is None:
            allowed = ", ".join(c.value for c in self.vocabulary)
            raise serializers.ValidationError(
                f"{self.field_name} inconnu : « {data} ». Valeurs possibles : {allowed}.")
        return found


class Entier(_Param, serializers.IntegerField):
    def to_internal_value(self, data):
        try:
            number = int(str(data).strip())
        except ValueError:
            raise serializers.ValidationError(
                f"{self.field_name} doit être un nombre entier (reçu « {data} »).") from None
        if not (self.min_value <= number <= self.max_value):
            raise serializers.ValidationError(f"{self.field_name} doit être compris entre {self.min_value} et "
                                              f"{self.max_value} (reçu « {data} »).")
        return number


class Rayon(_Param, serializers.FloatField):
    """Kilometres, 0 < rayon <= RAYON_MAX_KM; a French decimal comma is accepted."""

    def to_internal_value(self, data):
        try:
            rayon = float(str(data).strip().replace(",", "."))
        except ValueError:
            raise serializers.ValidationError(
                f"{self.field_name} doit être un nombre de kilomètres (reçu « {data} »).") from None
        if not (0 < rayon <= RAYON_MAX_KM):  # also rejects nan and inf
            raise serializers.ValidationError(
                f"{self.field_name} doit être supérieur à 0 et au plus {RAYON_MAX_KM} km (reçu « {data} »).")
        return rayon


class Booleen(_Param, serializers.BooleanField):
    def to_internal_value(self, data):
        text = str(data).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise serializers.ValidationError(f"{self.field_name} doit valoir true ou false (reçu « {data} »).")


class Code(_Param, serializers.RegexField):
    """An INSEE code (département, région), upper-cased (2A, 2B)."""

    def to_internal_value(self, data):
        code = str(data).strip().upper()
        if not re.fullmatch(self.regex_text, code):
            raise serializers.ValidationError(f"{self.field_name} : code INSEE invalide « {data} ».")
        return code

    def __init__(self, regex, **kwargs):
        self.regex_text = regex
        super().__init__(regex, **kwargs)


class Langue(_Param, serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(r"^[a-zA-Z]{2,3}$", **kwargs)

    def to_internal_value(self, data):
        code = str(data).strip().lower()
        if not re.fullmatch(r"[a-z]{2,3}", code):
            raise serializers.ValidationError(
                f"langue : un code ISO 639-1 de 2 lettres est attendu (fr, en, ar, ps…), reçu « {data} ».")
        return code


class Themes(serializers.ListField):
    """Repeatable (`theme=a&theme=b`) or comma-separated; each a slug of the vocabulary
    (`recherche.known_themes`, cached), a category matching its sub-themes."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), **kwargs)

    def to_internal_value(self, data):
        items = [data] if isinstance(data, str) else list(data)
        slugs = [t.strip() for item in items for t in str(item).split(",") if t.strip()]
        if not slugs:
            return []
        from .recherche import known_themes

        known = known_themes()
        unknown = [t for t in slugs if t not in known]
        if unknown:   # this process's copy may predate the theme: ask the shared cache / database again
            known = known_themes(fresh=True)
            unknown = [t for t in slugs if t not in known]
        if unknown:
            roots = ", ".join(sorted(s for s, p in known.items() if p is None))
            raise serializers.ValidationError(
                f"Thème inconnu : {', '.join(unknown)}. Thèmes connus : {roots} "
                "(et leurs sous-thèmes « categorie--sous-theme »).")
        return list(dict.fromkeys(slugs))


class Texte(_Param, serializers.CharField):
    """Free text handed on as it is (the place parameters: `localisation` reads them)."""
