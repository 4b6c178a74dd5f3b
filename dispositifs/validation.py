"""The one validation path: the admin (model `clean()`), the API writes and the imports all call
these functions, so a phone number or an age range is judged the same way everywhere.

Normalisers take what a person typed and return the stored form, or raise ValidationError
with a French sentence that says what to fix.
"""

import re
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from territoires.text import fold

from . import horaires

_NON_DIGITS = re.compile(r"\D+")
_PHONE_CHARS = re.compile(r"^[\d\s.\-/()+]+$")


def normalise_phone(text: str | None) -> str:
    """Phone numbers as people write them ("01.23.45.67.89", "+33 1 23 45 67 89", "0033123456789",
    "115", "32 30") become "01 23 45 67 89"; short service numbers (3 to 6 digits) are kept."""
    raw = str(text or "").strip()
    if not raw:
        return ""
    if raw.endswith(".0") and raw[:-2].isdigit():  # a spreadsheet turned it into a float
        raw = raw[:-2]
    if not _PHONE_CHARS.match(raw):
        raise ValidationError(f"numéro de téléphone illisible : « {raw} » (chiffres, espaces, points, + seulement)")
    digits = _NON_DIGITS.sub("", raw)
    if raw.startswith("+") or digits.startswith("00"):
        digits = digits[2:] if digits.startswith("00") else digits
        if digits.startswith("33") and len(digits) == 11:
            digits = "0" + digits[2:]
        elif 8 <= len(digits) <= 15:
            return "+" + digits
        else:
            raise ValidationError(f"numéro international incomplet : « {raw} »")
    if len(digits) == 9 and digits[0] in "123456789":  # Excel dropped the leading zero
        digits = "0" + digits
    if len(digits) == 10 and digits.startswith("0"):
        return f"{digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:8]} {digits[8:]}"
    if 3 <= len(digits) <= 4 or (len(digits) == 6 and digits[:3] in {"116", "118"}):
        return " ".join(digits[i:i + 2] for i in range(0, len(digits), 2)) if len(digits) == 4 else digits
    raise ValidationError(f"numéro de téléphone invalide : « {raw} » (10 chiffres, ou numéro court)")


class _EmailValidator(EmailValidator):
    """Django's e-mail rules, with its lazily compiled pattern resolved once and the verdict on a
    domain memoised: an import checks tens of thousands of addresses on a few domains."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)

    def validate_domain_part(self, domain_part):
        return _domain_ok(domain_part)


@lru_cache(maxsize=4096)
def _domain_ok(domain_part: str) -> bool:
    return EmailValidator.validate_domain_part(_email_validator, domain_part)


_email_validator = validate_email = _EmailValidator()


def normalise_email(text: str | None) -> str:
    value = str(text or "").strip().lower()
    if value.startswith("mailto:"):
        value = value[len("mailto:"):]
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(f"adresse courriel invalide : « {text} »") from None
    return value


_url_validator = URLValidator(schemes=["http", "https"])


def normalise_url(text: str | None) -> str:
    value = str(text or "").strip()
    if not value:
        return ""
    if not re.match(r"^https?://", value, re.I):
        value = "https://" + value.lstrip("/")
    try:
        _url_validator(value)
    except ValidationError:
        raise ValidationError(f"adresse de site web invalide : « {text} »") from None
    return value


def _restore_zeros(text, width: int) -> str:
    value = str(text if text is not None else "").strip()
    if re.fullmatch(r"\d+\.0", value):  # 1000.0 from a spreadsheet number cell
        value = value[:-2]
    value = value.replace(" ", "")
    if value.isdigit() and len(value) < width:
        value = value.zfill(width)
    return value


def normalise_postal_code(text) -> str:
    """"1000", 1000 or "1000.0" (Excel ate the zero) become "01000"."""
    value = _restore_zeros(text, 5)
    if not value:
        return ""
    if not re.fullmatch(r"\d{5}", value):
        raise ValidationError(f"code postal invalide : « {text} » (5 chiffres)")
    return value


def normalise_insee(text) -> str:
    """INSEE commune code: 5 characters, leading zero restored, Corsica as 2A/2B."""
    value = _restore_zeros(text, 5).upper()
    if not value:
        return ""
    if not re.fullmatch(r"\d{5}|2[AB]\d{3}", value):
        raise ValidationError(f"code INSEE invalide : « {text} »")
    return value


def normalise_siret(text) -> str:
    value = re.sub(r"\s", "", str(text or ""))
    if not value:
        return ""
    if not re.fullmatch(r"\d{14}", value):
        raise ValidationError(f"SIRET invalide : « {text} » (14 chiffres)")
    return value


OPENING_HOURS_MAX = 300   # Lieu.opening_hours


def normalise_opening_hours(text) -> str:
    """Opening hours as stored: the OSM `opening_hours` value when the text reads as one (OSM syntax, or
    French read without guessing: dispositifs/horaires.py), else the text as written, which the pages show
    as a note. Never refused: hours nobody can convert are still worth reading."""
    value = str(text or "").strip()
    osm = horaires.normalise(value) if value else None
    return osm if osm and len(osm) <= OPENING_HOURS_MAX else value


@lru_cache(maxsize=4096)
def opening_hours_from_days(days: tuple[tuple[str, str], ...]) -> str:
    """Per-day cells (("lundi", "9:00 - 12:00 / 13:30 - 17:00"), ...) -> OSM, else the cells as written
    ("Lundi 9:00 - 12:00 ; Samedi sur rendez-vous"): a cell that says more than hours is not dropped."""
    osm = horaires.from_day_columns(dict(days))
    if osm and len(osm) <= OPENING_HOURS_MAX:
        return osm
    return " ; ".join(f"{day.capitalize()} {text}" for day, text in days if text)


def structure_key(name: str) -> str:
    """Structures are matched on their folded name, so "ASSO Français Pour Tous" is found again."""
    return fold(name)


def check_age_range(age_min, age_max) -> None:
    for value in (age_min, age_max):
        if value is not None and not 0 <= value <= 120:
            raise ValidationError(f"âge hors limites : {value} (0 à 120)")
    if age_min is not None and age_max is not None and age_min > age_max:
        raise ValidationError(f"âge minimum ({age_min}) supérieur à l'âge maximum ({age_max})")


def check_dates(start, end) -> None:
    if start and end and start > end:
        raise ValidationError(f"date de début ({start:%d/%m/%Y}) après la date de fin ({end:%d/%m/%Y})")


def check_reachable(*, national: bool, has_coverage: bool, has_lieux: bool) -> None:
    """A dispositif nobody can find is an error: it needs a lieu, a coverage, or to be national."""
    if not (national or has_coverage or has_lieux):
        raise ValidationError("ni lieu ni couverture : indiquez une adresse, une zone d'intervention ou « National »")


def check_dispositif(d) -> None:
    """Model-level rules for a Dispositif (field formats are checked by the normalisers)."""
    errors = {}
    if not (d.title or "").strip():
        errors["title"] = "l'intitulé est obligatoire"
    for field, check in (("age_min", lambda: check_age_range(d.age_min, d.age_max)),
                         ("start_date", lambda: check_dates(d.start_date, d.end_date))):
        try:
            check()
        except ValidationError as e:
            errors[field] = e.messages
    for field, normaliser in (("phone", normalise_phone), ("email", normalise_email), ("website", normalise_url)):
        try:
            setattr(d, field, normaliser(getattr(d, field)))
        except ValidationError as e:
            errors[field] = e.messages
    if errors:
        raise ValidationError(errors)


def check_structure(s) -> None:
    errors = {}
    for field, normaliser in (("phone", normalise_phone), ("email", normalise_email),
                              ("website", normalise_url), ("siret", normalise_siret)):
        try:
            setattr(s, field, normaliser(getattr(s, field)))
        except ValidationError as e:
            errors[field] = e.messages
    if errors:
        raise ValidationError(errors)


def check_lieu(lieu) -> None:
    errors = {}
    lieu.opening_hours = normalise_opening_hours(lieu.opening_hours)
    try:
        lieu.postal_code = normalise_postal_code(lieu.postal_code)
    except ValidationError as e:
        errors["postal_code"] = e.messages
    if lieu.point is not None and lieu.commune_id and lieu.postal_code and lieu.commune.codes_postaux \
            and lieu.postal_code not in lieu.commune.codes_postaux:
        errors["postal_code"] = [f"le code postal {lieu.postal_code} n'est pas celui de {lieu.commune.nom} "
                                 f"({', '.join(lieu.commune.codes_postaux)})"]
    if errors:
        raise ValidationError(errors)
