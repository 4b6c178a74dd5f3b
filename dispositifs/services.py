"""Writes of one dispositif given in the read API's JSON shape: the write API, the web forms and
the moderation proposals all go through `parse_payload` then `save_dispositif`.

Checks come from `validation.py` (through the models' `clean()` and `check_reachable`), so a
phone number or an age range is judged as the admin and the imports judge it. Keys the payload
cannot set (id, url, derniere_verification...) are ignored.
"""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from territoires.models import Commune, Departement, Region

from . import validation
from .models import Dispositif, Lieu, Structure, Theme

# payload key -> model field, for the plain fields
FIELDS = {
    "titre": "title", "resume": "summary", "description": "description", "publics": "publics",
    "statuts_protection": "protection_statuses", "langues": "languages", "age_min": "age_min",
    "age_max": "age_max", "niveau_francais": "french_level", "gratuit": "free", "tarif": "price",
    "modalite": "modality", "inscription": "registration", "telephone": "phone", "courriel": "email",
    "site_web": "website", "date_debut": "start_date", "date_fin": "end_date",
}
LIEU_FIELDS = {"nom": "name", "adresse": "address", "code_postal": "postal_code", "horaires": "opening_hours",
               "accessibilite": "accessibility"}
COVERAGE = ("regions", "departements", "communes")
# Keys a PUT resets when absent: those the read API returns (a key it does not return, such as
# statuts_protection, is kept as it is, so GET then PUT loses nothing).
READ_SHAPE = set(FIELDS) - {"statuts_protection"}


@dataclass
class Draft:
    """A parsed payload: only what it names is set (PATCH); `full` drafts reset the rest (PUT/POST)."""

    fields: dict = field(default_factory=dict)
    themes: list[str] | None = None
    structure: Structure | None = None
    structure_given: bool = False
    national: bool | None = None
    coverage: dict[str, list[str]] | None = None
    lieux: list[dict] | None = None


def _code(value) -> str:
    return str(value.get("code", "") if isinstance(value, dict) else value or "").strip()


def _date(key, value, errors):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[key] = f"date invalide : « {value} » (AAAA-MM-JJ)"


def _int(key, value, errors):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors[key] = f"nombre entier attendu : « {value} »"


def _list(key, value, errors) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        errors[key] = "liste attendue"
        return []
    return [str(v.get("slug", "") if isinstance(v, dict) else v).strip() for v in value]


def parse_payload(data: dict, *, full: bool) -> Draft:
    """Read a JSON payload into a Draft. Raises ValidationError({key: message}) in French."""
    if not isinstance(data, dict):
        raise ValidationError({"detail": "un objet JSON est attendu"})
    errors: dict[str, str] = {}
    draft = Draft()
    defaults = {f: Dispositif._meta.get_field(f).get_default() for f in FIELDS.values()}
    for key, attr in FIELDS.items():
        if key not in data:
            if full and key in READ_SHAPE:
                draft.fields[attr] = defaults[attr]
            continue
        value = data[key]
        if attr in ("start_date", "end_date"):
            value = _date(key, value, errors)
        elif attr in ("age_min", "age_max"):
            value = _int(key, value, errors)
        elif attr in ("publics", "protection_statuses", "languages"):
            value = _list(key, value, errors)
        elif attr == "free":
            value = value if value in (True, False, None) else errors.setdefault(key, "true, false ou null")
        else:
            value = "" if value is None else str(value)
        draft.fields[attr] = value
    if "themes" in data or full:
        draft.themes = _list("themes", data.get("themes"), errors)
        known = set(Theme.objects.filter(slug__in=draft.themes).values_list("slug", flat=True))
        if unknown := [s for s in draft.themes if s not in known]:
            errors["themes"] = f"thème inconnu : {', '.join(unknown)}"
        elif not draft.themes:
            errors["themes"] = "au moins un thème est obligatoire"
    if "structure" in data or full:
        draft.structure_given = True
        ref = data.get("structure")
        sid = ref.get("id") if isinstance(ref, dict) else ref
        if sid not in (None, ""):
            draft.structure = Structure.objects.filter(pk=_int("structure", sid, errors) or 0).first()
            if draft.structure is None:
                errors.setdefault("structure", f"structure inconnue : {sid}")
    _parse_coverage(data, draft, errors, full=full)
    if "lieux" in data or full:
        draft.lieux = _parse_lieux(data.get("lieux") or [], errors)
    if errors:
        raise ValidationError(errors)
    return draft


def _parse_coverage(data, draft, errors, *, full: bool) -> None:
    cov = data.get("couverture")
    if cov is None and not full and "national" not in data:
        return
    cov = cov if isinstance(cov, dict) else {}
    draft.national = bool(cov.get("national", data.get("national", False)))
    draft.coverage = {}
    models = {"regions": Region, "departements": Departement, "communes": Commune}
    for level in COVERAGE:
        codes = [_code(c).upper() for c in cov.get(level) or []]
        if level == "communes":
            codes = [validation.normalise_insee(c) if c.isdigit() else c for c in codes]
        known = set(models[level].objects.filter(code__in=codes).values_list("code", flat=True))
        if unknown := [c for c in codes if c not in known]:
            errors[f"couverture.{level}"] = f"code inconnu : {', '.join(unknown)}"
        draft.coverage[level] = sorted(set(codes) & known)
    if sirens := [_code(c) for c in cov.get("epci") or []]:  # an intercommunalité: its member communes
        members = dict(Commune.objects.filter(epci_id__in=sirens).values_list("code", "epci_id"))
        if unknown := [c for c in sirens if c not in set(members.values())]:
            errors["couverture.epci"] = f"EPCI inconnu : {', '.join(unknown)} (SIREN à 9 chiffres)"
        draft.coverage["communes"] = sorted(set(draft.coverage["communes"]) | set(members))


def _parse_lieux(items, errors) -> list[dict]:
    lieux = []
    if not isinstance(items, list):
        errors["lieux"] = "liste attendue"
        return lieux
    codes = [_code(item.get("commune")) for item in items if isinstance(item, dict)]
    communes = Commune.objects.in_bulk([validation.normalise_insee(c) if c.isdigit() else c for c in codes])
    for n, item in enumerate(items, start=1):
        key = f"lieux.{n}"
        if not isinstance(item, dict):
            errors[key] = "objet attendu"
            continue
        code = _code(item.get("commune"))
        commune = communes.get(validation.normalise_insee(code) if code.isdigit() else code)
        if commune is None:
            errors[key] = f"commune inconnue : « {code} » (code INSEE)"
            continue
        # a key the item leaves out keeps the lieu's current value (the read shape has no "horaires")
        lieu = {"id": _int(key, item.get("id"), errors), "commune": commune,
                **{attr: str(item.get(k) or "") for k, attr in LIEU_FIELDS.items() if k in item}}
        lat, lon = item.get("lat"), item.get("lon")
        if lat not in (None, "") and lon not in (None, ""):
            try:
                lieu["point"], lieu["precision"] = Point(float(lon), float(lat), srid=4326), "adresse"
            except (TypeError, ValueError):
                errors[key] = f"lat/lon invalides : {lat}, {lon}"
                continue
            if not (-180 <= float(lon) <= 180 and -90 <= float(lat) <= 90):
                errors[key] = f"lat/lon hors limites : {lat}, {lon}"
                continue
        else:
            lieu["point"], lieu["precision"] = commune.centre, "commune"
        lieux.append(lieu)
    return lieux


# -- footprint: which départements a dispositif touches (permissions) --------------------------
def _departements(coverage: dict[str, list[str]]) -> set[str]:
    deps = set(coverage.get("departements", []))
    deps |= set(Commune.objects.filter(code__in=coverage.get("communes", [])).values_list("departement_id", flat=True))
    deps |= set(Departement.objects.filter(region_id__in=coverage.get("regions", [])).values_list("code", flat=True))
    return deps


def _coverage_of(d: Dispositif | None) -> dict[str, list[str]]:
    if d is None or not d.pk:
        return {level: [] for level in COVERAGE}
    return {level: list(getattr(d, level).values_list("pk", flat=True)) for level in COVERAGE}


def _lieu_departements(d: Dispositif | None) -> set[str]:
    if d is None or not d.pk:
        return set()
    return set(d.lieux.values_list("commune__departement_id", flat=True))


def footprint(d: Dispositif) -> tuple[bool, set[str]]:
    """(national, départements touched by its lieux or its coverage; a région counts its départements)."""
    return d.national, _departements(_coverage_of(d)) | _lieu_departements(d)


def draft_footprint(draft: Draft, current: Dispositif | None = None) -> tuple[bool, set[str]]:
    """The footprint the dispositif would have once the draft is applied."""
    national = draft.national if draft.national is not None else bool(current and current.national)
    coverage = draft.coverage if draft.coverage is not None else _coverage_of(current)
    lieux = ({lieu["commune"].departement_id for lieu in draft.lieux} if draft.lieux is not None
             else _lieu_departements(current))
    return national, _departements(coverage) | lieux


# -- the write ---------------------------------------------------------------------------------
def save_dispositif(dispositif: Dispositif | None, draft: Draft, *, user, via: str, status: str | None = None,
                    verified: bool = True) -> Dispositif:
    """Apply the draft (validated by the one validation path) and save it with its themes,
    coverage and lieux, in one transaction; history records `user` and `via` (web, api, import).

    `status` sets the life-cycle state (the caller decides moderation); `verified` sets
    `last_verified` to today: a person confirmed the content."""
    d = dispositif or Dispositif()
    for attr, value in draft.fields.items():
        setattr(d, attr, value)
    if draft.structure_given:
        d.structure = draft.structure
    if draft.national is not None:
        d.national = draft.national
    if status:
        d.status = status
    if verified:
        d.last_verified = timezone.localdate()
    errors = {}
    try:
        d.full_clean(exclude=["themes", "regions", "departements", "communes"])
    except ValidationError as e:
        errors.update({_payload_key(k): v for k, v in e.message_dict.items()})
    lieux = draft.lieux
    for n, item in enumerate(lieux or [], start=1):
        probe = Lieu(commune=item["commune"], point=item["point"],
                     **{attr: item[attr] for attr in LIEU_FIELDS.values() if attr in item})
        try:
            probe.full_clean(exclude=["dispositif"])
            item["postal_code"] = probe.postal_code
            if "opening_hours" in item:
                item["opening_hours"] = probe.opening_hours   # OSM when it reads as such (validation.py)
        except ValidationError as e:
            errors[f"lieux.{n}"] = "; ".join(m for ms in e.message_dict.values() for m in ms)
    coverage = draft.coverage if draft.coverage is not None else _coverage_of(d)
    has_lieux = bool(lieux) if lieux is not None else bool(d.pk and d.lieux.exists())
    try:
        validation.check_reachable(national=d.national, has_coverage=any(coverage.values()), has_lieux=has_lieux)
    except ValidationError as e:
        errors["couverture"] = e.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        creating = d.pk is None
        d._history_user, d._change_reason = user, via
        if creating:
            d.skip_history_when_saving = True  # the first record is written once themes and lieux are in
        d.save()
        if draft.themes is not None:
            d.themes.set(draft.themes)
        if draft.coverage is not None:
            for level in COVERAGE:
                getattr(d, level).set(draft.coverage[level])
        if lieux is not None:
            _replace_lieux(d, lieux, user=user, via=via)
        if creating:
            del d.skip_history_when_saving
            d.save()
    return d


def _replace_lieux(d: Dispositif, lieux: list[dict], *, user, via: str) -> None:
    """Lieux given with their id are updated in place, others created, the missing ones deleted."""
    existing = {lieu.pk: lieu for lieu in d.lieux.all()}
    kept = set()
    for item in lieux:
        lieu = existing.get(item["id"]) or Lieu(dispositif=d)
        changed = lieu.pk is None
        if lieu.commune_id != item["commune"].pk:
            lieu.commune, changed = item["commune"], True
        for attr in (*LIEU_FIELDS.values(), "point", "precision"):
            if attr in item and getattr(lieu, attr) != item[attr]:
                setattr(lieu, attr, item[attr])
                changed = True
        if changed:
            lieu._history_user, lieu._change_reason = user, via
            lieu.save()
        kept.add(lieu.pk)
    for pk, lieu in existing.items():
        if pk not in kept:
            lieu._history_user, lieu._change_reason = user, via
            lieu.delete()


def _payload_key(attr: str) -> str:
    reverse = {v: k for k, v in FIELDS.items()}
    return reverse.get(attr, attr)


def payload_of(d: Dispositif) -> dict:
    """The write shape of a saved dispositif (the read API's keys, plus each lieu's horaires)."""
    return {
        **{key: getattr(d, attr) for key, attr in FIELDS.items()},
        "structure": {"id": d.structure_id} if d.structure_id else None,
        "themes": list(d.themes.values_list("slug", flat=True)),
        "couverture": {"national": d.national, **_coverage_of(d)},
        "lieux": [{"id": lieu.pk, "nom": lieu.name, "adresse": lieu.address, "code_postal": lieu.postal_code,
                   "commune": {"code": lieu.commune_id, "nom": lieu.commune.nom}, "lat": round(lieu.point.y, 6),
                   "lon": round(lieu.point.x, 6), "horaires": lieu.opening_hours,
                   "accessibilite": lieu.accessibility}
                  for lieu in d.lieux.select_related("commune").order_by("pk")],
    }


def set_status(d: Dispositif, status: str, *, user, via: str) -> Dispositif:
    d.status = status
    d._history_user, d._change_reason = user, via
    d.save(update_fields=["status", "updated_at"])
    return d


def confirm_verified(d: Dispositif, *, user, via: str) -> Dispositif:
    """A person says the fiche is still true: `last_verified` becomes today, nothing else changes."""
    d.last_verified = timezone.localdate()
    d._history_user, d._change_reason = user, via
    d.save(update_fields=["last_verified", "updated_at"])
    return d
