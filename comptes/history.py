"""The history of a fiche: who changed what, when, through which channel (web, api, import,
moderation), as differences between django-simple-history records."""

from simple_history.signals import pre_create_historical_record

from dispositifs.models import Dispositif

VIA = {"web": "site", "api": "API", "import": "import", "moderation": "modération", "rappel": "rappel"}
HIDDEN = {"id", "updated_at", "created_at", "history_id", "history_date", "history_type", "history_user",
          "history_user_id", "history_change_reason", "relations"}


def relations_of(d: Dispositif) -> dict:
    """Themes, coverage and lieux in words, stored with each record so the diff can show them."""
    return {
        "thèmes": ", ".join(sorted(d.themes.values_list("slug", flat=True))),
        "couverture": ", ".join(
            (["national"] if d.national else [])
            + [f"région {c}" for c in d.regions.values_list("pk", flat=True)]
            + [f"département {c}" for c in d.departements.values_list("pk", flat=True)]
            + [f"commune {c}" for c in d.communes.values_list("pk", flat=True)]),
        "lieux": " ; ".join(", ".join(filter(None, [lieu.name, lieu.address, lieu.postal_code, lieu.commune.nom,
                                                     lieu.opening_hours]))
                            for lieu in d.lieux.select_related("commune").order_by("pk")),
    }


def record_relations(sender, instance, history_instance, **kwargs):
    if isinstance(instance, Dispositif) and instance.pk:
        history_instance.relations = relations_of(instance)


def connect():
    pre_create_historical_record.connect(record_relations, dispatch_uid="comptes.history.relations")


def changes(d: Dispositif) -> list[dict]:
    """Newest first: each record with its author, channel and the fields that changed (old -> new)."""
    records = list(d.history.select_related("history_user").order_by("history_date", "history_id"))
    out, previous = [], None
    for record in records:
        diffs = []
        if previous is not None:
            for field in record._meta.fields:
                if field.attname in HIDDEN:
                    continue
                old, new = getattr(previous, field.attname), getattr(record, field.attname)
                if old != new:
                    diffs.append({"field": str(field.verbose_name), "old": _text(old), "new": _text(new)})
            # records written in bulk by an import carry no relations: nothing to compare against
            for key, new in (record.relations or {}).items() if previous.relations else ():
                old = previous.relations.get(key, "")
                if old != new:
                    diffs.append({"field": key, "old": old, "new": new})
        out.append({"date": record.history_date, "user": record.history_user,
                    "via": VIA.get(record.history_change_reason or "", record.history_change_reason or ""),
                    "creation": previous is None, "diffs": diffs})
        previous = record
    return list(reversed(out))


def _text(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
