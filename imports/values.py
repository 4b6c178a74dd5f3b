"""Cell parsers: how spreadsheets spell a value (Oui/Non/Gratuit, "16-25 ans", dd/mm/yyyy, "A 2",
"Anglais, arabe") turned into the stored form, each doubt reported through `warn(name, value, reason)`.

Formats go through `dispositifs.validation` and `dispositifs.vocabulaires.match`, the one
validation path of the project. A spreadsheet repeats the same few values thousands of times, so
the parsers are memoised (`_memoised` replays the recorded warnings for each row).
"""

import datetime as dt
import re
from functools import lru_cache

from django.core.exceptions import ValidationError

from dispositifs import validation
from dispositifs.vocabulaires import NiveauFrancais
from dispositifs.vocabulaires import match as vocabulary_match
from territoires.text import fold as text_fold

match = lru_cache(maxsize=8192)(vocabulary_match)
fold = lru_cache(maxsize=65536)(text_fold)
normalise_postal_code = lru_cache(maxsize=65536)(validation.normalise_postal_code)  # exceptions are not cached
normalise_insee = lru_cache(maxsize=65536)(validation.normalise_insee)
_VOCAB_SPLIT = re.compile(r"\s*[;,/|\n]\s*|\s+et\s+")
_DATE_PATTERNS = [re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$"), re.compile(r"^(\d{4})-(\d{2})-(\d{2})")]
_LEVEL = re.compile(r"\b([abc])\s?([12])\b")
_AGE = re.compile(r"(\d{1,3})")
LANGUAGES = {
    "francais": "fr", "anglais": "en", "arabe": "ar", "pachto": "ps", "pashto": "ps", "pachtou": "ps",
    "dari": "prs", "persan": "fa", "farsi": "fa", "tigrigna": "ti", "tigrinya": "ti", "russe": "ru",
    "ukrainien": "uk", "espagnol": "es", "portugais": "pt", "italien": "it", "allemand": "de", "turc": "tr",
    "albanais": "sq", "georgien": "ka", "armenien": "hy", "somali": "so", "amharique": "am", "soudanais": "ar",
    "kurde": "ku", "tamoul": "ta", "bengali": "bn", "ourdou": "ur", "chinois": "zh", "roumain": "ro",
    "lsf": "lsf", "langue des signes": "lsf",
}
TRUE_WORDS = {"oui", "o", "x", "gratuit", "gratuite", "1", "true", "vrai", "yes", "y", "gratuit e"}
FALSE_WORDS = {"non", "n", "payant", "payante", "0", "false", "faux", "no"}

def _memoised(fn):
    """Memoise a parser `fn(*args, warn)` whose only side effect is calling warn(name, value, reason):
    the warnings are recorded once and replayed for every row with the same cell text."""

    @lru_cache(maxsize=8192)
    def pure(*args):
        records = []
        result = fn(*args, lambda *w: records.append(w))
        return result, tuple(records)

    def call(*args, warn):
        result, records = pure(*args)
        for record in records:
            warn(*record)
        return result

    return call


@lru_cache(maxsize=8192)
def parse_date(text: str):
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text.strip())
        if m:
            a, b, c = (int(g) for g in m.groups())
            y, mo, d = (a, b, c) if a > 31 else (c, b, a)
            if y < 100:
                y += 2000
            return dt.date(y, mo, d)
    raise ValueError(text)


def normalise_field_cached(name, value, normaliser, warn):
    return _normalised_memo(name, value, normaliser, warn=warn)


def normalise_field(name, value, normaliser, warn):
    if not value:
        return ""
    try:
        return normaliser(value)
    except ValidationError as e:
        if name == "phone":  # "01 23 45 67 89 / 06 12 34 56 78": keep the first good number
            for part in re.split(r"\s*(?:/|ou|,|;|–)\s*", value):
                try:
                    first = normaliser(part)
                except ValidationError:
                    continue
                warn(name, value, f"plusieurs numéros : seul {first} est gardé")
                return first
        warn(name, value, f"{e.messages[0]} : valeur ignorée")
        return ""


def _vocab_list(text, vocabulary, what, name, warn) -> list[str]:
    if not text:
        return []
    values, unknown = [], []
    for part in _VOCAB_SPLIT.split(text):
        if not part:
            continue
        value = match(vocabulary, part)
        if value:
            values.append(value)
        else:
            unknown.append(part)
    if unknown:
        warn(name, text, f"{what} inconnu ignoré : {', '.join(unknown)}")
    return list(dict.fromkeys(values))


def _french_level(text, warn) -> str:
    if not text:
        return ""
    value = match(NiveauFrancais, text)
    if value:
        return value
    m = _LEVEL.search(fold(text))
    if m:
        return f"{m[1].upper()}{m[2]}"
    warn("french_level", text, "niveau de français inconnu (aucun, alpha, A1 à C2) : ignoré")
    return ""


def _languages(text, warn) -> list[str]:
    if not text:
        return []
    codes, unknown = [], []
    for part in _VOCAB_SPLIT.split(text):
        key = fold(part)
        if not key:
            continue
        code = LANGUAGES.get(key) or (key if re.fullmatch(r"[a-z]{2,3}", key) else None)
        if code:
            codes.append(code)
        else:
            unknown.append(part)
    if unknown:
        warn("languages", text, f"langue inconnue ignorée : {', '.join(unknown)}")
    return list(dict.fromkeys(codes))


def _free(text, warn) -> tuple[bool | None, str]:
    key = fold(text)
    if not key:
        return None, ""
    if key in TRUE_WORDS:
        return True, ""
    if key in FALSE_WORDS:
        return False, ""
    if re.search(r"\d|€|eur", text, re.I):
        return False, text
    if key.startswith("gratuit"):
        return True, ""
    warn("free", text, "gratuit : Oui, Non, Gratuit ou Payant attendu ; ignoré")
    return None, ""


def parse_ages(values, warn) -> tuple[int | None, int | None]:
    lo = hi = None
    text = values.get("age", "")
    if text:
        numbers = [int(n) for n in _AGE.findall(text)]
        key = fold(text)
        if len(numbers) >= 2:
            lo, hi = numbers[0], numbers[1]
        elif len(numbers) == 1:
            if re.search(r"moins|max|jusqu|<", key + text):
                hi = numbers[0] - (1 if "moins" in key or "<" in text else 0)
            else:
                lo = numbers[0]
        elif key not in {"tous ages", "tout age", "tous"}:
            warn("age", text, "âge illisible : ignoré")
    for name in ("age_min", "age_max"):
        text = values.get(name, "")
        if text:
            m = _AGE.search(text)
            if m:
                if name == "age_min":
                    lo = int(m[1])
                else:
                    hi = int(m[1])
            else:
                warn(name, text, "âge illisible : ignoré")
    try:
        validation.check_age_range(lo, hi)
    except ValidationError as e:
        warn("age_min" if values.get("age_min") else "age", f"{lo}-{hi}", f"{e.messages[0]} : âges ignorés")
        return None, None
    return lo, hi


def parse_date_cell(name, text, warn):
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        warn(name, text, "date illisible (jj/mm/aaaa attendu) : ignorée")
        return None


_normalised_memo = _memoised(normalise_field)
vocab_list = _memoised(_vocab_list)
french_level = _memoised(_french_level)
languages = _memoised(_languages)
free = _memoised(_free)
