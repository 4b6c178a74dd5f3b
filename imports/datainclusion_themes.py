"""data·inclusion theme codes of schema v0, read through data·inclusion's own v0 -> v1 table
(`fixtures/datainclusion/thematiques-v0-v1.csv`, copied from gip-inclusion/data-inclusion): a v0
code becomes the v1 sub-themes it was split into; a code without v1 equivalent maps to nothing."""

import csv
from functools import cache
from pathlib import Path

from django.conf import settings

V0_TABLE = Path(settings.BASE_DIR) / "fixtures" / "datainclusion" / "thematiques-v0-v1.csv"


@cache
def v0_themes() -> dict[str, tuple[str, ...]]:
    """v0 code -> v1 slugs (empty tuple: a v0 code with no v1 equivalent)."""
    table: dict[str, list[str]] = {}
    with open(V0_TABLE, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            slugs = table.setdefault(row["v0"].strip(), [])
            if row["v1"].strip():
                slugs.append(row["v1"].strip())
    return {code: tuple(dict.fromkeys(slugs)) for code, slugs in table.items()}
