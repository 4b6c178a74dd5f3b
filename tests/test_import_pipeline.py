"""The import run as a whole: counts, idempotence, dry run, atomicity, archiving, report, exit codes."""

import csv

import pytest
from django.core.management import call_command

from dispositifs.models import Dispositif, Lieu, Structure
from imports import writer
from imports.models import ImportRun
from imports.services import import_file
from tests.import_files import HEADER, ROWS, write_csv

pytestmark = pytest.mark.django_db

BAD = ["", "Sans titre", "FLE", "", "", "Dijon", "", "", ""]


def _file(tmp_path, rows=ROWS, name="offre.csv"):
    return write_csv(tmp_path / name, rows)


def _run(capsys, *args):
    """call_command as a shell would: (exit status, stdout lines, stderr)."""
    try:
        call_command("import_dispositifs", *[str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out.strip().splitlines(), err


def test_import_creates_dispositifs_lieux_coverage_and_structures(tmp_path):
    result = import_file(_file(tmp_path), source="ddets-01", departement="01")
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=0" and result.exit_code == 0
    fle = Dispositif.objects.get(source="ddets-01", title="Cours de FLE")
    assert fle.status == "publie" and fle.structure.name == "Asso Français Pour Tous"
    assert fle.import_key.startswith("s:") and len(fle.content_hash) == 48  # title + structure (issue #11)
    lieu = fle.lieux.get()
    assert (lieu.commune_id, lieu.postal_code, lieu.precision) == ("69123", "69002", "commune")
    assert lieu.address == "12 rue de la République"
    droits = Dispositif.objects.get(source="ddets-01", title="Permanence d'accès aux droits")
    assert list(droits.departements.values_list("code", flat=True)) == ["01"] and droits.phone == "115"
    national = Dispositif.objects.get(source="ddets-01", title="Plateforme emploi réfugiés")
    assert national.national and not national.lieux.exists()


def test_reimport_is_idempotent_and_detects_changes(tmp_path):
    path = _file(tmp_path)
    import_file(path, source="s")
    before = dict(Dispositif.objects.filter(source="s").values_list("id", "updated_at"))
    again = import_file(path, source="s")
    assert again.summary() == "created=0 updated=0 unchanged=3 rejected=0"
    assert dict(Dispositif.objects.filter(source="s").values_list("id", "updated_at")) == before  # not rewritten
    changed = [list(r) for r in ROWS]
    changed[0][7] = "04 78 00 00 00"
    changed[2][2] = "Emploi ; Numérique"
    result = import_file(_file(tmp_path, changed, name="v2.csv"), source="s")
    assert result.summary() == "created=0 updated=2 unchanged=1 rejected=0"
    assert Dispositif.objects.filter(source="s").count() == 3 and Lieu.objects.filter(
        dispositif__source="s").count() == 2
    assert Dispositif.objects.get(source="s", title="Cours de FLE").phone == "04 78 00 00 00"
    assert Dispositif.objects.get(source="s", title="Plateforme emploi réfugiés").themes.count() == 2
    assert Structure.objects.filter(name="Asso Français Pour Tous").count() == 1  # matched, not duplicated


def test_an_import_that_changed_data_queues_the_refresh_once(tmp_path):
    from django.db import connection

    def queued():
        with connection.cursor() as cursor:
            cursor.execute("SELECT task_name FROM procrastinate_jobs WHERE status = 'todo' ORDER BY task_name")
            return [row[0] for row in cursor.fetchall()]

    path = _file(tmp_path)
    import_file(path, source="s", dry_run=True)
    assert queued() == []  # nothing written
    import_file(path, source="s")
    assert queued() == ["maps.exports.refresh_national", "maps.refresh_stored"]
    import_file(_file(tmp_path, [list(ROWS[0])], name="v2.csv"), source="t")
    assert queued() == ["maps.exports.refresh_national", "maps.refresh_stored"]  # still one job each


def test_external_id_is_the_key(tmp_path):
    header = ["ID", *HEADER]
    rows = [["A-1", *ROWS[0]], ["A-2", *ROWS[1]]]
    import_file(write_csv(tmp_path / "a.csv", rows, header=header), source="s")
    renamed = [["A-1", "Cours de français (FLE)", *ROWS[0][1:]], ["A-2", *ROWS[1]]]
    result = import_file(write_csv(tmp_path / "b.csv", renamed, header=header), source="s")
    assert result.summary() == "created=0 updated=1 unchanged=1 rejected=0"
    assert Dispositif.objects.get(source="s", external_id="A-1").title == "Cours de français (FLE)"


def test_structures_matched_by_siret_then_name_and_commune(tmp_path):
    Structure.objects.create(name="CIMADE AIN", siret="12345678900011")
    header = ["Intitulé", "Structure", "SIRET", "Thématique", "Commune", "Code postal"]
    rows = [["A", "La Cimade (Ain)", "123 456 789 00011", "Droits", "Bourg-en-Bresse", "01000"],
            ["B", "Asso Lire", "", "FLE", "Dijon", "21000"], ["C", "ASSO LIRE", "", "FLE", "Dijon", "21000"],
            ["D", "Asso Lire", "", "FLE", "Beaune", "21200"]]
    import_file(write_csv(tmp_path / "s.csv", rows, header=header), source="s")
    by_title = {d.title: d.structure for d in Dispositif.objects.filter(source="s").select_related("structure")}
    assert by_title["A"].siret == "12345678900011" and Structure.objects.filter(siret="12345678900011").count() == 1
    assert by_title["B"] == by_title["C"] != by_title["D"]


def test_dry_run_writes_nothing_but_reports(tmp_path):
    result = import_file(_file(tmp_path, [*ROWS, BAD]), source="s", dry_run=True)
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=1"
    assert not Dispositif.objects.filter(source="s").exists() and not Structure.objects.exists()
    run = ImportRun.objects.get()
    assert run.dry_run and run.rejected == 1 and run.problems.first().line == 5


def test_crash_mid_run_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    import_file(_file(tmp_path, ROWS[:1]), source="s")  # one dispositif exists before
    before = (Dispositif.objects.count(), Structure.objects.count(), Lieu.objects.count())
    monkeypatch.setattr(writer, "BATCH_SIZE", 1)
    real_write_batch, calls = writer.write_batch, []

    def failing_after_first_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_write_batch(*args, **kwargs)

    monkeypatch.setattr(writer, "write_batch", failing_after_first_batch)
    changed = [list(r) for r in ROWS]
    changed[0][7] = "04 78 00 00 00"
    with pytest.raises(RuntimeError):
        import_file(_file(tmp_path, changed, name="v2.csv"), source="s")
    assert len(calls) == 2  # the first batch was written, then the run failed
    assert (Dispositif.objects.count(), Structure.objects.count(), Lieu.objects.count()) == before
    assert Dispositif.objects.get(source="s").phone == "04 78 12 34 56"
    run = ImportRun.objects.latest("started_at")
    assert run.status == "failed" and "disk full" in run.message


def test_archive_missing(tmp_path):
    import_file(_file(tmp_path), source="s")
    import_file(_file(tmp_path, ROWS[:1], name="other.csv"), source="autre")
    result = import_file(_file(tmp_path, ROWS[:2], name="v2.csv"), source="s", archive_missing=True)
    assert result.summary() == "created=0 updated=0 unchanged=2 rejected=0" and result.counts.archived == 1
    statuses = dict(Dispositif.objects.filter(source="s").values_list("title", "status"))
    assert statuses == {"Cours de FLE": "publie", "Permanence d'accès aux droits": "publie",
                        "Plateforme emploi réfugiés": "archive"}
    assert Dispositif.objects.get(source="autre").status == "publie"  # other sources untouched
    back = import_file(_file(tmp_path), source="s")  # present again: published again
    assert back.summary() == "created=0 updated=1 unchanged=2 rejected=0"
    assert not Dispositif.objects.filter(source="s", status="archive").exists()


def test_command_output_exit_codes_and_report(tmp_path, capsys):
    report = tmp_path / "rapport.csv"
    code, out, _ = _run(capsys, _file(tmp_path), "--source", "s")
    assert code == 0 and out[-1] == "created=3 updated=0 unchanged=0 rejected=0"
    code, out, _ = _run(capsys, _file(tmp_path, [*ROWS, BAD]), "--source", "s", "--report", report)
    assert code == 1 and out[-1] == "created=0 updated=0 unchanged=3 rejected=1"
    with open(report, encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    assert [{k: v for k, v in line.items() if k not in ("cause", "suggestion")} for line in lines] == [
        {"line": "5", "column": "Intitulé", "value": "",
         "reason": "intitulé manquant : chaque action doit avoir un intitulé", "severity": "error"}]
    assert list(lines[0]) == ["line", "column", "value", "reason", "severity", "cause", "suggestion"]


def test_unreadable_file_and_missing_columns_exit_2(tmp_path, capsys):
    (tmp_path / "casse.xlsx").write_bytes(b"PK\x03\x04broken")
    code, out, err = _run(capsys, tmp_path / "casse.xlsx", "--source", "s")
    assert code == 2 and "classeur illisible" in err and out[-1] == "created=0 updated=0 unchanged=0 rejected=0"
    path = write_csv(tmp_path / "cols.csv", [["A", "Dijon"]], header=["Nom de l'action", "Ville"])
    code, out, err = _run(capsys, path, "--source", "s")
    assert code == 2 and "colonnes obligatoires manquantes : thématique" in err
    assert "En-têtes trouvés : « Nom de l'action », « Ville »" in err
    code, out, err = _run(capsys, tmp_path / "absent.csv", "--source", "s")
    assert code == 2 and "introuvable" in err
    assert not Dispositif.objects.exists()
    assert list(ImportRun.objects.values_list("status", flat=True)) == ["failed"] * 3


def test_import_run_recorded(tmp_path, django_user_model):
    user = django_user_model.objects.create(username="operateur")
    path = _file(tmp_path, [*ROWS, BAD])
    import_file(path, source="ddets-01", departement="1", user=user, report_path=tmp_path / "r.csv")
    run = ImportRun.objects.get()
    assert (run.source, run.file_name, run.user, run.departement, run.status) == (
        "ddets-01", "offre.csv", user, "01", "partial")
    assert (run.rows, run.created, run.updated, run.unchanged, run.rejected) == (4, 3, 0, 0, 1)
    assert len(run.sha256) == 64 and run.finished_at >= run.started_at
    assert run.problems.first().reason.startswith("intitulé manquant") and run.summary().endswith("rejected=1")


def test_counts_add_up_on_the_demo_files(capsys):
    call_command("load_demo")
    first = capsys.readouterr().out.strip().splitlines()
    call_command("load_demo")
    second = capsys.readouterr().out.strip().splitlines()
    assert first[-1].startswith("demo: created=1986 updated=0 unchanged=0 rejected=14")
    assert second[-1].startswith("demo: created=0 updated=0 unchanged=1986 rejected=14")
    for run in ImportRun.objects.all():
        assert run.created + run.updated + run.unchanged + run.rejected == run.rows
    assert Dispositif.objects.filter(source__startswith="demo-").count() == 1986


def test_progress_bar_only_on_a_terminal(tmp_path):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Terminal(), io.StringIO()
    call_command("import_dispositifs", str(_file(tmp_path)), "--source", "s", stdout=tty)
    call_command("import_dispositifs", str(_file(tmp_path)), "--source", "s", stdout=pipe)
    assert "3/3 lignes" in tty.getvalue() and "[####" in tty.getvalue()
    assert "[" not in pipe.getvalue() and pipe.getvalue().strip().splitlines()[-1] == (
        "created=0 updated=0 unchanged=3 rejected=0")


def test_archive_missing_spares_rows_rejected_this_time(tmp_path):
    header = ["ID", *HEADER]
    import_file(write_csv(tmp_path / "a.csv", [["A-1", *ROWS[0]], ["A-2", *ROWS[1]]], header=header), source="s")
    broken = ["A-2", ROWS[1][0], ROWS[1][1], "Bricolage", *ROWS[1][3:]]  # still listed, but unknown theme today
    result = import_file(write_csv(tmp_path / "b.csv", [["A-1", *ROWS[0]], broken], header=header), source="s",
                         archive_missing=True)
    assert result.summary() == "created=0 updated=0 unchanged=1 rejected=1" and result.counts.archived == 0
    assert not Dispositif.objects.filter(source="s", status="archive").exists()


def test_command_crash_exits_2_with_nothing_written(tmp_path, capsys, monkeypatch):
    def broken_upsert(*args, **kwargs):
        raise RuntimeError("connexion perdue")

    monkeypatch.setattr(writer, "upsert", broken_upsert)
    code, out, err = _run(capsys, _file(tmp_path), "--source", "s")
    assert code == 2 and "rien n'a été écrit (RuntimeError: connexion perdue)" in err
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=0" and not Dispositif.objects.exists()
