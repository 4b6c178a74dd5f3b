"""Static PNG maps (matplotlib, Agg backend) from the PostGIS geometries, for reports and print:
legend, title, source and date on every map. The overseas départements are drawn as insets
under the metropolitan map, each at its own scale, as printed French maps do."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from shapely.plotting import patch_from_polygon  # noqa: E402

from . import geometry  # noqa: E402
from .style import (  # noqa: E402
    COMMUNE_BREAKS,
    NO_DATA,
    OTHER_THEME,
    PALETTE,
    SEED_BREAKS,
    class_labels,
    colour,
    theme_colours,
)

DPI = 100
FRANCE_SIZE = (10, 10)  # inches: 1000 x 1000 px
DEPARTEMENT_SIZE = (10, 8)  # 1000 x 800 px


def _draw(ax, wkb_by_key: dict, colours: dict, *, edge="#555555", lw=0.3):
    patches, faces = [], []
    for key, wkb in wkb_by_key.items():
        geom = shapely.from_wkb(wkb)
        for poly in getattr(geom, "geoms", [geom]):
            if poly.is_empty:
                continue
            patches.append(patch_from_polygon(poly))
            faces.append(colours.get(key, NO_DATA))
    ax.add_collection(PatchCollection(patches, facecolor=faces, edgecolor=edge, linewidth=lw))


def _frame(ax, bounds, *, lat=None):
    (xmin, ymin, xmax, ymax) = bounds
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    mid = lat if lat is not None else (ymin + ymax) / 2
    ax.set_aspect(1 / math.cos(math.radians(mid)))  # lon/lat drawn with the right proportions
    ax.set_axis_off()


def france_png(path, rows, *, title: str, source: str):
    """Choropleth of the départements with the seed's classes; overseas départements as insets."""
    shapes = geometry.departements_wkb()
    colours = {r.code: colour(r.actions, SEED_BREAKS) for r in rows}
    fig = plt.figure(figsize=FRANCE_SIZE, dpi=DPI)
    main = fig.add_axes([0.02, 0.2, 0.7, 0.7])
    metro = {k: v for k, v in shapes.items() if k not in geometry.OUTRE_MER}
    _draw(main, metro, colours)
    _frame(main, (-5.3, 41.3, 9.7, 51.2))
    by_code = {r.code: r for r in rows}
    for i, code in enumerate(c for c in geometry.OUTRE_MER if c in shapes):
        ax = fig.add_axes([0.02 + i * 0.14, 0.06, 0.12, 0.12])
        geom = shapely.from_wkb(shapes[code])
        _draw(ax, {code: shapes[code]}, colours)
        xmin, ymin, xmax, ymax = geom.bounds
        pad = max(xmax - xmin, ymax - ymin) * 0.08
        _frame(ax, (xmin - pad, ymin - pad, xmax + pad, ymax + pad))
        r = by_code.get(code)
        ax.set_title(f"{r.nom if r else code}\n{r.actions if r else 0} actions", fontsize=8)
    handles = [Patch(facecolor=c, edgecolor="#555555", label=label)
               for c, label in zip(PALETTE, class_labels(SEED_BREAKS), strict=True)]
    fig.legend(handles=handles, title="Actions locales", loc="upper left", bbox_to_anchor=(0.74, 0.85),
               alignment="left", frameon=False, fontsize=10, title_fontsize=11)
    total = sum(r.actions for r in rows)
    fig.text(0.76, 0.45, f"Somme sur les départements : {total}\n(une action couvrant une région\ncompte dans "
             f"chacun de ses\ndépartements ; actions\nnationales exclues)", fontsize=9, va="top", color="#333333")
    fig.suptitle(title, fontsize=15, x=0.02, ha="left", y=0.97)
    fig.text(0.02, 0.015, source, fontsize=8, color="#444444")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def departement_png(path, density, lieux, *, title: str, source: str, theme_labels: dict[str, str]):
    """Communes shaded by the actions located there, lieux as dots coloured by main theme, contour."""
    code = density.departement.code
    shapes = geometry.communes_geometries(code, fmt="wkb")
    outline, bounds = geometry.departement_outline(code, fmt="wkb")
    colours = {c.code: colour(c.sur_place, COMMUNE_BREAKS) for c in density.communes}
    fig = plt.figure(figsize=DEPARTEMENT_SIZE, dpi=DPI)
    ax = fig.add_axes([0.02, 0.07, 0.66, 0.83])
    _draw(ax, shapes, colours, edge="#999999", lw=0.2)
    if outline:
        _draw(ax, {"contour": outline}, {"contour": "none"}, edge="#000091", lw=1.6)
    theme_colour = theme_colours(list(theme_labels))
    if lieux:
        ax.scatter([r[1] for r in lieux], [r[0] for r in lieux], s=9, linewidths=0.3, edgecolors="white",
                   c=[theme_colour.get(r[2], OTHER_THEME) for r in lieux], zorder=3)
    (south, west), (north, east) = bounds
    pad = max(east - west, north - south) * 0.03
    _frame(ax, (west - pad, south - pad, east + pad, north + pad))
    handles = [Patch(facecolor=c, edgecolor="#999999", label=label)
               for c, label in zip(PALETTE, class_labels(COMMUNE_BREAKS, counts=True), strict=True)]
    first = fig.legend(handles=handles, title="Actions sur place", loc="upper left", bbox_to_anchor=(0.7, 0.9),
                       alignment="left", frameon=False, fontsize=9, title_fontsize=10)
    present = {r[2] for r in lieux}
    dots = [plt.Line2D([], [], marker="o", linestyle="", markersize=6, color=theme_colour[s], label=label)
            for s, label in theme_labels.items() if s in present]
    if dots:
        fig.legend(handles=dots, title=f"Lieux ({len(lieux)}) par thème", loc="upper left", alignment="left",
                   bbox_to_anchor=(0.7, 0.55), frameon=False, fontsize=8, title_fontsize=10)
        fig.add_artist(first)
    fig.text(0.7, 0.05, f"+ {density.couverture_actions} actions couvrent tout le département\n(listées dans la carte "
             f"HTML)", fontsize=9)
    fig.suptitle(title, fontsize=14, x=0.02, ha="left", y=0.97)
    fig.text(0.02, 0.015, source, fontsize=8, color="#444444")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
