"""The lieu of one row: which commune, which point. The commune comes from, in order, the INSEE
code (old codes of merged communes included), a point in France, the postal code and name, the
postal code alone when it names one commune; a point far from the commune the row names is checked
after all rows (`imports.points.check_lieux`)."""

import re

from django.core.exceptions import ValidationError

from .gazetteer import collectivite
from .points import in_france, parse_point
from .summary import suggest
from .values import normalise_insee, normalise_postal_code

_CP_IN_NAME = re.compile(r"^\s*(\d{5})\s+(.+)$|^(.+?)\s+(\d{5})\s*$")


def row_lieu(values, ctx, index, error, warn) -> tuple[dict | None, str | None]:
    """(lieu, its département) of a row; (None, None) when the row names no place. An unresolvable
    place is an error (the row is rejected)."""
    insee_text, cp_text, name = values.get("insee", ""), values.get("postal_code", ""), values.get("commune", "")
    m = _CP_IN_NAME.match(name) if name and (name[0].isdigit() or name[-1].isdigit()) else None
    if m:  # "97437 SAINTE ANNE": a postal code written in the commune column
        code, rest = (m[1], m[2]) if m[1] else (m[4], m[3])
        cp_text, name = cp_text or code, rest.strip()
    address = " ".join(values.get("address", "").split())
    point = ctx.geometries[index] if index < len(ctx.geometries) else None
    if point is None and ctx.has_coordinates:
        point = parse_point(values, warn)
    insee = cp = ""
    try:
        insee = normalise_insee(insee_text) if insee_text else ""
    except ValidationError as e:
        warn("insee", insee_text, f"{e.messages[0]} : ignoré", "insee-invalide")
    try:
        cp = normalise_postal_code(cp_text) if cp_text else ""
    except ValidationError as e:
        # "69003 Lyon" in the postal-code column, or a CEDEX code: keep the five digits if there are
        found = re.search(r"\b\d{5}\b", cp_text)
        cp = found[0] if found else ""
        if not found:
            warn("postal_code", cp_text, f"{e.messages[0]} : ignoré", "code-postal-invalide")
    if not (insee or cp or name or point):
        if address:
            error("commune", address, "adresse sans commune ni code postal : lieu introuvable", "lieu-introuvable")
        return None, None
    ref = doubt = None
    if insee:
        ref = ctx.gazetteer.commune_by_code(insee)
        if ref is None:
            warn("insee", insee_text, f"code INSEE inconnu : {insee}", "insee-inconnu")
        elif ref.code != insee and insee not in ctx.gazetteer.arrondissements:
            warn("insee", insee_text, f"ancien code INSEE {insee} : commune actuelle {ref.nom} ({ref.code})",
                 "insee-ancien")
    located = _locate(ctx, point) if point is not None and ref is None else None
    named = claimed = None  # claimed: the commune the row names when its point lies elsewhere
    if ref is None and (cp or name):
        named, doubt = ctx.resolve_commune("", cp, name)
    if ref is None and located is not None:  # a point in France comes before postal code and name
        ref = located
        if named is not None and named is not located:
            claimed, doubt = named, None
        elif point in ctx.off_shore:
            claimed = ref
    elif ref is None:
        ref = named
        if point is not None and ref is not None:
            claimed = ref
    elif point is not None:  # an INSEE code and a point: the point is checked against it after all rows
        claimed = ref
    if ref is None and point is not None and not (insee_text or cp_text or name):
        error("longitude", f"{point[0]}, {point[1]}", "lieu introuvable : ce point n'est dans aucune commune française",
              "point-hors-france")
        return None, None
    if ref is None:
        shown = " ".join(filter(None, [insee_text, cp_text, name]))
        column = "commune" if name else ("insee" if insee_text else "postal_code")
        hint = doubt or f"aucune commune ne correspond à « {shown} » (vérifiez le nom, le code postal ou le code INSEE)"
        com = collectivite(insee, cp, name) or collectivite(name=shown)
        if com:
            error(column, shown, f"lieu introuvable : {com}, collectivité d'outre-mer, n'est pas dans le référentiel "
                                 "des communes (COG des 101 départements)", "collectivite-outre-mer")
            return None, None
        sug = suggest(name, ctx.gazetteer.by_name.keys()) if name and not doubt else ""
        error(column, shown, "lieu introuvable : " + hint, "commune-inconnue", sug)
        return None, None
    if doubt:
        warn("commune" if name else "postal_code", " ".join(filter(None, [cp_text, name])), doubt, "commune-douteuse")
    lon, lat, precision = ref.lon, ref.lat, "commune"
    if point is not None and (round(point[0], 6), round(point[1], 6)) == (round(ref.lon, 6), round(ref.lat, 6)):
        point = claimed = None  # the commune's own point (an export of a lieu located by its commune)
    if point is not None:
        lon, lat, precision = point[0], point[1], "adresse" if address else "commune"
    lieu = {"name": values.get("lieu_name", ""), "address": address, "postal_code": cp, "commune": ref,
            "lon": lon, "lat": lat, "precision": precision, "accessibility": values.get("accessibility", ""),
            "opening_hours": values.get("opening_hours", "")}
    if claimed is not None:
        ctx.suspects.append((lieu, claimed, ref is located and point not in (ctx.off_shore or ())))
    return lieu, ref.departement


def _locate(ctx, point):
    """The commune of a point (rows stream, so one indexed look-up per distinct point, cached);
    a point just off a coast gets the nearest commune within a few km; None elsewhere."""
    if ctx.located is None:
        ctx.located, ctx.off_shore = {}, set()
    if point in ctx.located:
        code = ctx.located[point]
    else:
        code = ctx.gazetteer.locate_many([point]).get(point)
        if code is None and in_france(*point):
            from django.contrib.gis.geos import Point

            from territoires.models import Commune

            code = getattr(Commune.objects.locate(Point(point[0], point[1], srid=4326)), "code", None)
            if code:
                ctx.off_shore.add(point)  # near, not inside: checked like a point given with a code
        ctx.located[point] = code
    return ctx.gazetteer.commune_by_code(code) if code else None
