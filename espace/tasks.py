"""Jobs of the web import, run by the job runner (procrastinate on PostgreSQL, `make worker`)."""

from procrastinate.contrib.django import app

from annuaire.jobs import PRIORITY_PERSON


@app.task(queue="imports", name="espace.run_upload", priority=PRIORITY_PERSON)
def run_upload(upload_id: int, dry_run: bool) -> None:
    from . import televersements
    from .models import Televersement

    upload = Televersement.objects.select_related("source", "user").get(pk=upload_id)
    televersements.run(upload, dry_run=dry_run)
