"""data·inclusion schema v1 export: `{"metadata", "structures": [...], "services": [...]}`.

Field names and vocabularies are those of the national schema (package `data-inclusion-schema`);
every record is checked with its pydantic models before it is written, and an optional field the
schema refuses (an e-mail on a reserved domain, a 4-digit short phone is fine) is dropped rather
than failing the whole export. Mapping choices:
- one service per lieu (the schema has one address per service); a dispositif without lieu is
  one service without address;
- a category theme (e.g. `sante`) becomes all its sub-themes, since v1 `thematiques` lists only
  sub-themes;
- publics: refugees, asylum seekers and newcomers are `personnes-exilees`;
- coverage: national -> `france`; a région -> its départements; départements and communes by code,
  all the communes of an EPCI as its SIREN (the importer stores an EPCI coverage as its communes);
  no declared coverage -> no `zone_eligibilite` (the lieux say where);
- ids: the dispositif's identifiant (`source:id` for what came from data·inclusion), a second lieu
  `<id>--lieu-2`..., so `import_dispositifs` reads the export back as `unchanged`.
"""

import json
from datetime import date

from data_inclusion.schema.v1 import Service, Structure
from pydantic import ValidationError

from dispositifs.models import Theme
from dispositifs.vocabulaires import NiveauFrancais, Public, StatutProtection

SOURCE = "annuaire"
SUMMARY_RULE = "\n\n---\n\n"

PUBLICS = {
    "bpi": "personnes-exilees", "primo-arrivants": "personnes-exilees", "demandeurs-asile": "personnes-exilees",
    "femmes": "femmes", "jeunes": "jeunes", "familles": "familles", "seniors": "seniors",
    "handicap": "personnes-en-situation-de-handicap", "tous-publics": "tous-publics",
}
MODES_ACCUEIL = {"presentiel": ["en-presentiel"], "distance": ["a-distance"], "mixte": ["en-presentiel", "a-distance"]}


class _Context:
    """What the mapping needs from the database once: sub-themes per category, régions' départements."""

    def __init__(self):
        self.children: dict[str, list[str]] = {}
        for slug, parent in Theme.objects.filter(parent__isnull=False).values_list("slug", "parent_id"):
            self.children.setdefault(parent, []).append(slug)
        from territoires.models import Departement

        self.region_deps: dict[str, list[str]] = {}
        for code, region in Departement.objects.values_list("code", "region_id"):
            self.region_deps.setdefault(region, []).append(code)


def _fit(text: str, *, minimum: int, maximum: int, fallback: str, name: bool = True) -> str:
    """A text the schema accepts: a name (`nom`) must not end with a period; lengths bounded."""
    text = (text or "").strip()
    text = (text.rstrip(".") if name else text) or fallback
    if len(text) < minimum:
        text = f"{text} ({fallback})" if fallback not in text else fallback.ljust(minimum, "…")
    return text[:maximum]


def structure_id(structure) -> str:
    return f"{SOURCE}--structure-{structure.pk}" if structure else f"{SOURCE}--structure-non-renseignee"


def structure_record(structure, *, today: date) -> dict:
    if structure is None:
        return {"source": SOURCE, "id": structure_id(None), "nom": "Structure non renseignée", "date_maj": today}
    record = {
        "source": SOURCE, "id": structure_id(structure),
        "nom": _fit(structure.name, minimum=3, maximum=150, fallback="Structure"),
        "date_maj": min(structure.updated_at.date(), today),
        "siret": structure.siret or None, "site_web": structure.website or None,
        "telephone": structure.phone or None, "courriel": structure.email or None,
    }
    if structure.commune_id:
        record.update(commune=structure.commune.nom, code_insee=structure.commune_id)
    return record


def _thematiques(d, ctx: _Context) -> list[str] | None:
    slugs = set()
    for theme in d.export_themes:
        slugs.update(ctx.children.get(theme.code, []) if theme.parent is None else [theme.code])
    return sorted(slugs) or None


def _publics(d) -> list[str] | None:
    values = {PUBLICS[p] for p in d.publics if p in PUBLICS}
    if "tous-publics" in values:
        return ["tous-publics"]
    return sorted(values) or ["personnes-exilees"]  # the directory's public, when nothing more precise is said


def _zone(d, ctx: _Context) -> list[str] | None:
    if d.national:
        return ["france"]
    codes = []
    for region in d.export_regions:
        codes += ctx.region_deps.get(region.code, [])
    codes += [dep.code for dep in d.export_departements]
    # an EPCI coverage is stored as its member communes: written back as the EPCI's SIREN (scope.attach)
    codes += d.export_epcis
    codes += [c.code for c in d.export_communes if c.parent not in d.export_epcis]
    return list(dict.fromkeys(codes)) or None  # no declared coverage: none invented (the lieux say where)


def _precisions(d) -> tuple[str | None, str | None]:
    publics = [str(Public(p).label) for p in d.publics if p in Public.values]
    statuts = [str(StatutProtection(s).label) for s in d.protection_statuses if s in StatutProtection.values]
    publics_precisions = "; ".join(publics + statuts) or None
    conditions = []
    if d.french_level:
        conditions.append(f"Niveau de français requis : {NiveauFrancais(d.french_level).label}")
    if d.age_min is not None or d.age_max is not None:
        conditions.append(f"Âge : {d.age_min if d.age_min is not None else '…'} à "
                          f"{d.age_max if d.age_max is not None else '…'} ans")
    return publics_precisions, "; ".join(conditions) or None


def service_records(d, ctx: _Context, *, today: date, base_url: str = "") -> list[dict]:
    publics_precisions, conditions = _precisions(d)
    modes = []
    if d.phone:
        modes.append("telephoner")
    if d.email:
        modes.append("envoyer-un-courriel")
    if d.website:
        modes.append("utiliser-lien-mobilisation")
    lieux = d.export_lieux
    if lieux and d.modality != "distance":
        modes.append("se-presenter")
    # v1 has one description: a summary and a description are joined by a rule the importer splits on
    description = SUMMARY_RULE.join([d.summary, d.description]) if d.summary else d.description
    common = {
        "source": SOURCE, "structure_id": structure_id(d.structure),
        "nom": _fit(d.title, minimum=3, maximum=150, fallback="Dispositif"),
        "description": _fit(description, minimum=5, maximum=10000, fallback=f"Dispositif : {d.title}",
                            name=False),
        "lien_source": f"{base_url}{d.get_absolute_url()}" if base_url else None,
        "date_maj": min(d.last_verified or d.updated_at.date(), today),  # read back as last_verified
        "thematiques": _thematiques(d, ctx),
        "frais": None if d.free is None else ("gratuit" if d.free else "payant"),
        "frais_precisions": d.price or None,
        "publics": _publics(d), "publics_precisions": publics_precisions, "conditions_acces": conditions,
        "telephone": d.phone or None, "courriel": d.email or None,
        "modes_accueil": MODES_ACCUEIL.get(d.modality),
        "zone_eligibilite": _zone(d, ctx),
        "lien_mobilisation": d.website or None,
        "modes_mobilisation": modes or None,
        "mobilisation_precisions": d.registration or None,
    }
    base = service_id(d)
    if not lieux:
        return [{**common, "id": base}]
    records = []
    for n, lieu in enumerate(lieux):
        records.append({
            **common, "id": base if n == 0 else f"{base}--lieu-{n + 1}",
            "commune": lieu.commune_nom, "code_insee": lieu.commune_id,
            "code_postal": lieu.postal_code or None, "adresse": lieu.address or None,
            "complement_adresse": lieu.name or None, "horaires_accueil": lieu.opening_hours or None,
            "longitude": round(lieu.lon, 6), "latitude": round(lieu.lat, 6),
        })
    return records


def service_id(d) -> str:
    """The dispositif's identifiant (a data·inclusion one is already `source:id`), so the importer
    reads the export back as the same dispositifs (`imports.datainclusion.identifiant`); ids minted
    here (`annuaire--<pk>`) are not identities and are dropped on the way back."""
    return d.external_id or f"{SOURCE}--{d.pk}"


def validated(model, record: dict) -> dict:
    """The record as the schema accepts it: an optional field it refuses is dropped (the required
    ones are always built valid), so one odd e-mail does not fail a whole export."""
    for _attempt in range(10):
        try:
            dumped = model.model_validate(record).model_dump(mode="json", exclude_none=True)
            for key, value in dumped.items():  # pydantic rewrites URLs ("/" added...): keep them as stored
                given = record.get(key)
                if isinstance(value, str) and isinstance(given, str):
                    dumped[key] = given
            return dumped
        except ValidationError as exc:
            bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
            optional = {name for name in bad if not model.model_fields[name].is_required()}
            if not optional:
                raise
            record = {k: v for k, v in record.items() if k not in optional}
    raise RuntimeError("record still invalid after dropping optional fields")


def write_datainclusion(stream, dispositifs, *, metadata: dict, base_url: str = "") -> int:
    ctx = _Context()
    today = date.today()
    structures: dict[str, dict] = {}
    services = []
    for d in dispositifs:
        sid = structure_id(d.structure)
        if sid not in structures:
            structures[sid] = validated(Structure, structure_record(d.structure, today=today))
        services += [validated(Service, r) for r in service_records(d, ctx, today=today, base_url=base_url)]
    document = {"metadata": {**metadata, "schema": "data·inclusion v1 (data-inclusion-schema)"},
                "structures": list(structures.values()), "services": services}
    json.dump(document, stream, ensure_ascii=False, indent=1)
    return len(services)
