"""Export then import gives `unchanged`: the CSV and XLSX exports are files `import_dispositifs`
reads back as the same dispositifs (DESIGN.md: re-importing the same data changes nothing)."""

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from dispositifs.models import Dispositif
from maps.exports import export, make_scope

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo"


def run_import(path, *, source, departement=None):
    stdout, stderr = io.StringIO(), io.StringIO()
    args = [str(path), "--source", source]
    if departement:
        args += ["--departement", departement]
    with contextlib.suppress(SystemExit):  # exit status 1 when the demo file's deliberate errors are rejected
        call_command("import_dispositifs", *args, stdout=stdout, stderr=stderr)
    last = [line for line in stdout.getvalue().splitlines() if line.startswith("created=")][-1]
    return dict(part.split("=") for part in last.split())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_is_unchanged(tmp_path, fmt):
    first = run_import(shutil.copy(DEMO / "ain-ddets.csv", tmp_path), source="ddets-ain", departement="01")
    created = int(first["created"])
    assert created > 50
    published = Dispositif.objects.published().filter(source="ddets-ain")
    assert published.count() == created
    before = {d.pk: (d.content_hash, d.updated_at) for d in Dispositif.objects.all()}

    out = tmp_path / f"export.{fmt}"
    with open(out, "wb" if fmt == "xlsx" else "w", **({} if fmt == "xlsx" else {"encoding": "utf-8",
                                                                                "newline": ""})) as stream:
        n = export(make_scope(departement="01"), fmt, stream)
    assert n >= created  # one row per lieu; ain's dispositifs have one lieu at most

    again = run_import(out, source="ddets-ain", departement="01")
    assert again == {"created": "0", "updated": "0", "unchanged": str(n), "rejected": "0"}
    after = {d.pk: (d.content_hash, d.updated_at) for d in Dispositif.objects.all()}
    assert after == before  # nothing rewritten


def test_export_of_national_geojson_source_round_trips_as_csv(tmp_path):
    first = run_import(shutil.copy(DEMO / "offres-nationales.geojson", tmp_path), source="national")
    assert int(first["created"]) > 10
    out = tmp_path / "all.csv"
    with open(out, "w", encoding="utf-8", newline="") as stream:
        n = export(make_scope(all=True), "csv", stream)
    again = run_import(out, source="national")
    assert again == {"created": "0", "updated": "0", "unchanged": str(n), "rejected": "0"}
