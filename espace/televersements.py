"""The web import, as services: an upload runs the same pipeline as the command
(`imports.services.import_file`, same limits, same report) on the job runner, first as a dry run,
then for real once confirmed. Values mapped once in the preview are kept per source
(`comptes.Correspondance`) and passed as the command's `--map` on every later run of that source."""

from collections import defaultdict
from io import BytesIO
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook

from comptes.models import Correspondance, Source
from dispositifs.models import Dispositif
from dispositifs.vocabulaires import Statut
from imports.columns import build_profile, find_header, load_profile
from imports.readers import cell_text, read_file
from imports.services import import_file
from imports.summary import grouped

from .models import Televersement

UNKNOWN_CAUSES = {"theme-inconnu": "themes"}  # report cause -> field a value can be mapped for


def start(*, user, source: Source, upload) -> Televersement:
    t = Televersement.objects.create(user=user, source=source, fichier=upload, file_name=upload.name[:300])
    defer(t, dry_run=True)
    return t


def defer(t: Televersement, *, dry_run: bool) -> None:
    from .tasks import run_upload

    Televersement.objects.filter(pk=t.pk).update(
        etat=Televersement.Etat.ESSAI if dry_run else Televersement.Etat.IMPORT, done=0, total=None)
    transaction.on_commit(lambda: run_upload.defer(upload_id=t.pk, dry_run=dry_run))


def maps_for(source: Source) -> list[str]:
    return [f"{c.column}={c.value}:{c.target}" for c in source.correspondances.all()]


def run(t: Televersement, *, dry_run: bool) -> None:
    """In the job runner: the pipeline on the uploaded file, progress kept on the upload."""
    source = t.source

    def progress(n, total):
        Televersement.objects.filter(pk=t.pk).update(done=F("done") + n, total=total)

    profile = build_profile(source.profile or None, maps=maps_for(source)) if source.correspondances.exists() \
        else (source.profile or None)
    try:
        result = import_file(Path(t.fichier.path), source=source.slug, profile=profile,
                             departement=source.departement_id, dry_run=dry_run, user=t.user, progress=progress)
    except Exception as e:  # the run records why; the page says it
        Televersement.objects.filter(pk=t.pk).update(etat=Televersement.Etat.ECHEC, message=str(e)[:500])
        raise
    fields = {"essai" if dry_run else "run": result.run, "message": result.message or ""}
    if dry_run:
        fields["etat"] = Televersement.Etat.APERCU
    else:
        fields["etat"] = Televersement.Etat.TERMINE
        after_import(t, result.run, source)
    Televersement.objects.filter(pk=t.pk).update(**fields)


def after_import(t: Televersement, run, source: Source) -> None:
    """What the import wrote is in the fiches' history (channel "import"), and waits for moderation
    when the source says so; the stored maps are refreshed."""
    written = Dispositif.objects.filter(source=source.slug, updated_at__gte=run.started_at)
    if not source.publish_directly:
        written.update(status=Statut.SOUMIS)
    Dispositif.history.bulk_history_create(list(written), default_user=t.user, default_change_reason="import",
                                           default_date=timezone.now())
    try:
        from maps.tasks import queue_refresh

        queue_refresh()
    except ImportError:  # maps without the job runner
        pass


def preview(t: Televersement) -> dict:
    """Counts, problems grouped by cause with examples, unknown values with suggestions."""
    run = t.essai
    if run is None:
        return {}
    problems = list(run.problems.all())
    unknown = defaultdict(dict)
    for p in problems:
        field = UNKNOWN_CAUSES.get(p.cause)
        if field and p.value and p.value not in unknown[field]:
            unknown[field][p.value] = (p.suggestion or "").split(",")[0].strip()
    rejected = sorted({p.line for p in problems if p.severity == "error" and p.line})
    return {"run": run, "groups": grouped(problems)[:40], "unknown": dict(unknown), "rejected": len(rejected)}


def remember(source: Source, field: str, mapping: dict[str, str]) -> int:
    """Keep the operator's choices for this source; returns how many values were mapped."""
    n = 0
    for value, target in mapping.items():
        if target:
            Correspondance.objects.update_or_create(source=source, column=field, value=value,
                                                    defaults={"target": target})
            n += 1
    return n


def rejected_xlsx(t: Televersement) -> bytes:
    """The rejected rows as the person wrote them, plus a "raison" column, to fix and upload again."""
    run = t.essai or t.run
    reasons = defaultdict(list)
    for p in run.problems.filter(severity="error").exclude(line=None):
        reasons[p.line].append(f"{p.column} : {p.reason}" if p.column else p.reason)
    profile = load_profile(t.source.profile or None)
    sheet = read_file(Path(t.fichier.path), pick=lambda s: find_header(s.rows, profile) is not None)
    try:
        header_index = find_header(sheet.rows, profile) or 0
        wb = Workbook()
        ws = wb.active
        ws.title = "Lignes rejetées"
        ws.append([*(cell_text(c) for c in sheet.rows[header_index]), "raison"])
        for row, line in zip(sheet.rows[header_index + 1:], sheet.lines[header_index + 1:], strict=False):
            if line in reasons:
                ws.append([*(_safe(cell_text(c)) for c in row), " ; ".join(reasons[line])])
    finally:
        close = getattr(sheet, "close", None)
        if close:
            close()
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _safe(text: str) -> str:
    """No formula from a data cell: a leading = + - @ gets a quote, as the exports do."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
