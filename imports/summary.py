"""The report an operator can act on: problems grouped by cause, with counts, examples and the
values they may have meant ("42 lignes : thème « Gestion financière » inconnu ; suggestion :
difficultes-financieres"). Suggestions come from rapidfuzz and are only ever shown, never applied.
"""

from collections import defaultdict

from rapidfuzz import fuzz, process, utils

from .report import ERROR

SUGGESTION_CUTOFF = 70


def suggest(value: str, choices, *, limit: int = 2) -> str:
    """The closest known values to `value` (comma separated), or "" when none is close enough."""
    choices = list(choices)
    if not value or not choices:
        return ""
    found = process.extract(value, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit + 3,
                            score_cutoff=SUGGESTION_CUTOFF)
    # WRatio scores a short choice inside a long value high ("mer" in "Saint-Glinglin-sur-Mer"): not a suggestion
    kept = [str(c) for c, _score, _idx in found if len(str(c)) * 2 >= len(value)]
    return ", ".join(list(dict.fromkeys(kept))[:limit])


def grouped(problems) -> list[dict]:
    """One entry per (severity, cause, column, value): count, first lines, reason, suggestion;
    errors first, then by count."""
    groups: dict[tuple, dict] = defaultdict(lambda: {"count": 0, "lines": []})
    for p in problems:
        key = (p.severity, p.cause or p.reason, p.column, p.value if p.cause else "")
        g = groups[key]
        g["count"] += 1
        if len(g["lines"]) < 5 and p.line is not None:
            g["lines"].append(p.line)
        g.setdefault("reason", p.reason)
        g.setdefault("suggestion", p.suggestion)
        g.update(severity=p.severity, cause=p.cause, column=p.column, value=p.value)
    return sorted(groups.values(), key=lambda g: (g["severity"] != ERROR, -g["count"]))


def summary_lines(problems, *, limit: int = 30) -> list[str]:
    """Human sentences, one per group: « 42 lignes (l. 3, 7, 9…) : thème « X » inconnu ; suggestion : y »."""
    out = []
    groups = grouped(problems)
    for g in groups[:limit]:
        lines = ", ".join(str(n) for n in g["lines"]) + ("…" if g["count"] > len(g["lines"]) else "")
        word = "ligne" if g["count"] == 1 else "lignes"
        kind = "erreur" if g["severity"] == ERROR else "avertissement"
        text = f"{g['count']} {word} ({kind}{', l. ' + lines if lines else ''}) : « {g['column']} » {g['reason']}"
        if g["suggestion"]:
            text += f" ; suggestion : {g['suggestion']}"
        out.append(text)
    if len(groups) > limit:
        out.append(f"… et {len(groups) - limit} autres causes (voir --report)")
    return out
