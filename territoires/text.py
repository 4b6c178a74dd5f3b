"""Text folding shared by every name lookup (communes, themes, structures, spreadsheet headers)."""

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str | None) -> str:
    """Lower-case, strip accents, turn every run of punctuation or space into one space.

    "Saint-Étienne" and "saint etienne" fold to the same key; so do "L'Haÿ-les-Roses" and
    "l hay les roses". The database stores the folded name so lookups use a plain index.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    ascii_text = ascii_text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _NON_ALNUM.sub(" ", ascii_text).strip()
