"""Classes and colours shared by the HTML and PNG maps, so both read the same."""

import math

# The classes of Réfugiés.info's impact report map ("Nombre d'actions locales recensées par département").
SEED_BREAKS = [2, 3, 6, 14, 25, 49, 82]
# Communes of a département: 0 stands apart (nothing located there is what a gap looks like).
COMMUNE_BREAKS = [1, 2, 4, 7, 15, 26, 50]
# Sequential, colour-blind safe (ColorBrewer YlGnBu, 8 classes).
PALETTE = ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"]
NO_DATA = "#d9d9d9"
# One colour per main theme (16 data·inclusion categories), distinct enough on a map.
THEME_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#111111"]
OTHER_THEME = "#555555"


def class_index(value, breaks) -> int | None:
    """Index of the class of `value` (0 = below the first break); None when there is no value."""
    if value is None:
        return None
    for i, b in enumerate(breaks):
        if value < b:
            return i
    return len(breaks)


def colour(value, breaks) -> str:
    i = class_index(value, breaks)
    return NO_DATA if i is None else PALETTE[i]


def class_labels(breaks, *, counts: bool = False) -> list[str]:
    """["< 2", "2 – 3", …, "≥ 82"] for the legend (French decimal comma), as the seed's map writes
    them; with counts=True, whole-number classes as people read them: ["0", "1", "2 – 3", …, "50 et plus"]."""
    def fmt(x):
        return f"{x:g}".replace(".", ",")

    if counts:
        bounds = [0, *breaks]
        labels = [str(a) if b - 1 == a else f"{a} – {b - 1}" for a, b in zip(bounds, bounds[1:], strict=False)]
        return [*labels, f"{breaks[-1]} et plus"]

    labels = [f"< {fmt(breaks[0])}"]
    labels += [f"{fmt(a)} – {fmt(b)}" for a, b in zip(breaks, breaks[1:], strict=False)]
    labels.append(f"≥ {fmt(breaks[-1])}")
    return labels


def quantile_breaks(values, n_classes: int = 8) -> list[float]:
    """Breaks for a per-100,000 layer: quantiles of the non-zero values, rounded to 2 significant
    digits and strictly increasing (fixed classes would leave it in one colour on sparse data)."""
    values = sorted(v for v in values if v)
    if not values:
        return [0.5, 1, 2, 4, 8, 16, 32]
    breaks = []
    for k in range(1, n_classes):
        q = values[min(len(values) - 1, int(len(values) * k / n_classes))]
        digits = 1 - int(math.floor(math.log10(q))) if q > 0 else 2
        rounded = round(q, digits)
        if breaks and rounded <= breaks[-1]:
            rounded = breaks[-1] + 10 ** -max(digits, 0)
            rounded = round(rounded, max(digits, 0))
        breaks.append(rounded)
    return breaks


def theme_colours(roots: list[str]) -> dict[str, str]:
    return {slug: THEME_COLOURS[i % len(THEME_COLOURS)] for i, slug in enumerate(sorted(roots))}
