"""One flat row per lieu (or per dispositif without lieu), with French headers the importer reads.

The same rows feed the CSV, the XLSX and the GeoJSON properties, so the three formats agree.
Round trip with `import_dispositifs`: every header is one the importer recognises, `Identifiant` is
the producer's external id (empty when the producer gave none, so the importer falls back to the
same title + structure + place key it used the first time), and the coverage is written the way
the importer reads it ("National", "Région Bretagne", "Département Ille-et-Vilaine", commune INSEE
codes). Re-importing an export under the same source reports its dispositifs `unchanged`.
A dispositif with several lieux gives several rows here (one per lieu, same `Identifiant`), which a
spreadsheet or QGIS wants and which the importer reads back as one dispositif with those lieux.
"""

from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public, StatutProtection, TypeStructure

COLUMNS = [
    "Identifiant", "Intitulé", "Structure", "Type de structure", "SIRET", "Thématique", "Résumé", "Description",
    "Public", "Statut de protection", "Âge minimum", "Âge maximum", "Niveau de français", "Langues", "Gratuit",
    "Tarif", "Modalité", "Inscription", "Téléphone", "Courriel", "Site", "Date de début", "Date de fin",
    "Zone d'intervention", "Nom du lieu", "Adresse", "Code postal", "Commune", "Code INSEE", "Latitude",
    "Longitude", "Précision", "Accessibilité", "Horaires", "Source", "Date de vérification", "Modifié le",
]

# A spreadsheet runs a cell beginning with one of these as a formula (CSV/formula injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Prefix a text cell that a spreadsheet would evaluate with a quote: `=1+1` becomes `'=1+1`.

    Numbers are left alone (a negative number is not a formula); only text is escaped."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def zone_text(dispositif) -> str:
    """The coverage as the importer reads it: "National", or "Région <nom>", "Département <nom>",
    "EPCI <SIREN>" for an intercommunalité whose communes are all covered, and the other communes'
    INSEE codes (names of communes repeat across France; codes do not)."""
    if dispositif.national:
        return "National"
    parts = [f"Région {r.nom}" for r in dispositif.export_regions]
    parts += [f"Département {d.nom}" for d in dispositif.export_departements]
    parts += [f"EPCI {siren}" for siren in dispositif.export_epcis]
    whole = set(dispositif.export_epcis)
    parts += [c.code for c in dispositif.export_communes if c.parent not in whole]
    return "; ".join(parts)


def _label(vocabulary, value) -> str:
    try:
        return str(vocabulary(value).label)
    except ValueError:
        return value or ""


def _bool(value) -> str:
    return "" if value is None else ("Oui" if value else "Non")


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def dispositif_fields(d) -> dict:
    structure = d.structure
    return {
        "Identifiant": d.external_id,
        "Intitulé": d.title,
        "Structure": structure.name if structure else "",
        "Type de structure": _label(TypeStructure, structure.kind) if structure else "",
        "SIRET": structure.siret if structure else "",
        "Thématique": "; ".join(t.code for t in d.export_themes),
        "Résumé": d.summary,
        "Description": d.description,
        "Public": "; ".join(_label(Public, p) for p in d.publics),
        "Statut de protection": "; ".join(_label(StatutProtection, s) for s in d.protection_statuses),
        "Âge minimum": d.age_min if d.age_min is not None else "",
        "Âge maximum": d.age_max if d.age_max is not None else "",
        "Niveau de français": _label(NiveauFrancais, d.french_level) if d.french_level else "",
        "Langues": ", ".join(d.languages),
        "Gratuit": _bool(d.free),
        "Tarif": d.price,
        "Modalité": _label(Modalite, d.modality) if d.modality else "",
        "Inscription": d.registration,
        "Téléphone": d.phone,
        "Courriel": d.email,
        "Site": d.website,
        "Date de début": _date(d.start_date),
        "Date de fin": _date(d.end_date),
        "Zone d'intervention": zone_text(d),
        "Source": d.source,
        "Date de vérification": _date(d.last_verified),
        "Modifié le": d.updated_at.date().isoformat() if d.updated_at else "",
    }


def lieu_fields(lieu) -> dict:
    if lieu is None:
        return {k: "" for k in ("Nom du lieu", "Adresse", "Code postal", "Commune", "Code INSEE", "Latitude",
                                "Longitude", "Précision", "Accessibilité", "Horaires")}
    # A point that is just the commune centre says no more than "Code INSEE": left blank so a
    # re-import geocodes it the same way, with the same precision (the GeoJSON keeps every point).
    return {
        "Nom du lieu": lieu.name,
        "Adresse": lieu.address,
        "Code postal": lieu.postal_code,
        "Commune": lieu.commune_nom,
        "Code INSEE": lieu.commune_id,
        "Latitude": "" if lieu.at_centre else round(lieu.lat, 6),
        "Longitude": "" if lieu.at_centre else round(lieu.lon, 6),
        "Précision": lieu.precision,
        "Accessibilité": lieu.accessibility,
        "Horaires": lieu.opening_hours,
    }


def iter_rows(dispositifs):
    """(dispositif, lieu or None, row dict in COLUMNS order) for each lieu of each dispositif
    (dispositifs as `scope.iter_dispositifs` yields them, relations attached)."""
    for d in dispositifs:
        base = dispositif_fields(d)
        for lieu in d.export_lieux or [None]:
            row = {**base, **lieu_fields(lieu)}
            yield d, lieu, {k: row[k] for k in COLUMNS}
