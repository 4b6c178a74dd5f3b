"""The run record tells the truth in every outcome: finished (or failed, or interrupted) before the
command exits, never "running" after its process died, its report stored as rows whatever its
size, browsable in pages and downloadable, and kept out of reach of staff deletion."""

import csv
import io
from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dispositifs.models import Dispositif
from imports import runs
from imports.models import ImportProblem, ImportRun
from imports.report import Report
from imports.services import import_file
from tests.import_files import HEADER, ROWS, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

BAD = ["", "Sans titre", "FLE", "", "", "Dijon", "", "", ""]


def _run(capsys, *args):
    try:
        call_command("import_dispositifs", *[str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out.strip().splitlines(), err.strip().splitlines()


def test_early_failure_leaves_the_run_failed_with_its_message(tmp_path, capsys):
    path = write_csv(tmp_path / "cols.csv", [["A", "Dijon"]], header=["Nom de l'action", "Ville"])
    code, _, err = _run(capsys, path, "--source", "s")
    run = ImportRun.objects.get()
    assert code == 2 and run.status == "failed" and run.finished_at is not None
    assert run.message.startswith("colonnes obligatoires manquantes") and not run.written
    assert run.problems.count() == 0 and len(err) == 1


@pytest.mark.parametrize("error,status,code", [(KeyboardInterrupt(), "interrupted", 130),
                                               (MemoryError("plus de mémoire"), "failed", 2)])
def test_a_crash_while_reading_rows_finishes_the_run(tmp_path, capsys, monkeypatch, error, status, code):
    def crash(*args, **kwargs):
        raise error

    monkeypatch.setattr("imports.services.normalise_row", crash)
    got, out, err = _run(capsys, write_csv(tmp_path / "o.csv", ROWS), "--source", "s")
    run = ImportRun.objects.get()
    assert got == code and run.status == status and run.finished_at and "rien n'a été écrit" in run.message
    assert "rien n'a été écrit" in err[-1] and out[-1] == "created=0 updated=0 unchanged=0 rejected=0"
    assert not Dispositif.objects.exists()


def test_a_run_whose_process_died_is_marked_interrupted_on_next_start(tmp_path):
    dead = ImportRun.objects.create(source="s", file_name="mort.xlsx", sha256="", status="running", pid=999999)
    import_file(write_csv(tmp_path / "o.csv", ROWS), source="autre")
    dead.refresh_from_db()
    assert dead.status == "interrupted" and dead.finished_at is not None
    assert dead.message == ("interrompu : le processus de l'import s'est arrêté avant la fin ; "
                            "rien n'a été écrit")


def test_a_live_run_elsewhere_is_left_running_until_its_timeout(tmp_path, settings):
    live = ImportRun.objects.create(source="s", file_name="long.xlsx", sha256="", status="running")
    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k in {"dbname", "host", "port", "user",
                                                                         "password"}}, autocommit=True)
    try:
        other.execute(f"SELECT pg_advisory_lock({runs.LOCK_SPACE}, %s)", [live.pk])  # that process is importing
        assert runs.interrupt_stale() == 0
        live.refresh_from_db()
        assert live.status == "running"
        ImportRun.objects.filter(pk=live.pk).update(started_at=timezone.now() - timedelta(hours=13))
        assert runs.interrupt_stale() == 1  # after IMPORT_RUN_TIMEOUT_HOURS, even a held lock is given up
        live.refresh_from_db()
        assert live.status == "interrupted" and "aucune fin enregistrée après 12 h" in live.message
    finally:
        other.close()


def test_the_lock_is_released_when_the_run_ends(tmp_path):
    run = import_file(write_csv(tmp_path / "o.csv", ROWS), source="s").run
    assert run.status == "success" and run.written and not runs._alive(run)


def test_report_that_cannot_be_saved_does_not_undo_a_committed_run(tmp_path, capsys, monkeypatch):
    def broken_save(self, run):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(Report, "save", broken_save)
    code, out, err = _run(capsys, write_csv(tmp_path / "o.csv", [*ROWS, BAD]), "--source", "s")
    run = ImportRun.objects.get()
    assert code == 1 and out[-1] == "created=3 updated=0 unchanged=0 rejected=1"
    assert run.status == "partial" and run.written and "rapport non enregistré" in run.message
    assert f"enregistré (import n° {run.pk})" in out[0] and "rien n'a été écrit" not in "".join(out + err)
    assert Dispositif.objects.count() == 3


def test_a_crash_after_the_commit_says_the_data_was_written(tmp_path, capsys, monkeypatch):
    real_finish = runs.finish

    def finish_then_crash(run, counts, report, *, status, message):
        if status == "partial":
            raise ConnectionError("connexion perdue")
        return real_finish(run, counts, report, status=status, message=message)

    monkeypatch.setattr(runs, "finish", finish_then_crash)
    code, out, err = _run(capsys, write_csv(tmp_path / "o.csv", [*ROWS, BAD]), "--source", "s")
    run = ImportRun.objects.get()
    assert code == 2 and run.status == "failed" and run.written
    assert "après l'écriture des données (created=3 updated=0 unchanged=0 rejected=1)" in run.message
    assert "après l'écriture des données" in err[-1] and "rien n'a été écrit" not in err[-1]
    assert out[-1] == "created=3 updated=0 unchanged=0 rejected=1" and Dispositif.objects.count() == 3


@pytest.fixture
def big_run(tmp_path):
    """4,500 rows with long cells, each row a warning (title cut) and one in ten rejected: 4,950 problems."""
    rows = []
    for i in range(4500):
        title = f"Cours de FLE {i} " + "très long intitulé " * 60  # ~1.2 KB, cut at 300 with a warning
        rows.append([title if i % 10 else "", "Asso " + "x" * 20_000, "FLE", "", "21000", "Dijon", "", "", ""])
    path = write_xlsx(tmp_path / "gros.xlsx", rows)
    result = import_file(path, source="s")
    return result


def test_a_large_report_is_stored_as_rows_and_browsed_in_pages(big_run, admin_client):
    run = big_run.run
    assert (run.status, run.rows, run.created, run.rejected) == ("partial", 4500, 4050, 450)
    assert run.written and not run.message and Dispositif.objects.count() == 4050
    assert ImportProblem.objects.filter(run=run).count() == len(big_run.report.problems) >= 4500
    assert max(len(v) for v in run.problems.values_list("value", flat=True)) <= 201

    page = admin_client.get(reverse("admin:imports_importrun_change", args=[run.pk]))
    assert page.status_code == 200 and len(page.content) < 100_000  # was 118 MB of HTML
    listing = reverse("admin:imports_importproblem_changelist") + f"?run__id__exact={run.pk}"
    assert listing.encode() in page.content.replace(b"&amp;", b"&")
    problems = admin_client.get(listing)
    assert problems.status_code == 200 and len(problems.content) < 400_000
    assert problems.content.count(b'<tr class="') <= 101  # 100 per page

    download = admin_client.get(reverse("admin:imports_importrun_report_csv", args=[run.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert len(lines) == run.problems.count() and lines[0]["line"] == "2"
    assert {"intitulé manquant : chaque action doit avoir un intitulé"} <= {line["reason"] for line in lines}


def test_import_runs_cannot_be_deleted_by_staff(tmp_path, client, admin_client, django_user_model):
    from django.contrib.auth.models import Permission

    run = import_file(write_csv(tmp_path / "o.csv", [*ROWS, BAD]), source="s").run
    staff = django_user_model.objects.create_user("agent", password="x", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="imports"))
    client.force_login(staff)
    assert client.get(reverse("admin:imports_importrun_change", args=[run.pk])).status_code == 200
    assert client.post(reverse("admin:imports_importrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
    assert ImportRun.objects.filter(pk=run.pk).exists()
    response = admin_client.post(reverse("admin:imports_importrun_delete", args=[run.pk]), {"post": "yes"})
    assert response.status_code == 302 and not ImportRun.objects.filter(pk=run.pk).exists()


def test_the_admin_list_closes_runs_left_by_dead_processes(admin_client):
    dead = ImportRun.objects.create(source="s", file_name="mort.csv", sha256="", status="running")
    assert admin_client.get(reverse("admin:imports_importrun_changelist")).status_code == 200
    dead.refresh_from_db()
    assert dead.status == "interrupted"



def test_rows_are_written_in_batches_with_the_same_outcome(tmp_path, monkeypatch):
    """Memory is bounded by FLUSH_ROWS candidates: a file written in batches of 2 gives what one batch
    gives, and an identifiant repeated after its batch was written is rejected, with its reason."""
    from imports import services

    header = ["ID", *HEADER]
    rows = [[f"A-{i}", *ROWS[i % 3]] for i in range(7)]
    rows = [[r[0], f"{r[1]} {i}", *r[2:]] for i, r in enumerate(rows)]
    rows.append(list(rows[1]))  # A-1 again, 6 rows after A-1: its batch is written by then
    path = write_csv(tmp_path / "lots.csv", rows, header=header)
    monkeypatch.setattr(services, "FLUSH_ROWS", 2)
    result = import_file(path, source="s", archive_missing=True)
    assert result.summary() == "created=7 updated=0 unchanged=0 rejected=1" and result.counts.archived == 0
    problem = result.run.problems.get(cause="identifiant-disperse")
    assert problem.line == 9 and problem.cause == "identifiant-disperse" and "ligne 3" in problem.reason
    monkeypatch.setattr(services, "FLUSH_ROWS", 20_000)
    again = import_file(write_csv(tmp_path / "sans.csv", rows[:7], header=header), source="s", archive_missing=True)
    assert again.summary() == "created=0 updated=0 unchanged=7 rejected=0" and again.counts.archived == 0


def test_sigterm_rolls_back_and_records_the_run_interrupted(tmp_path):
    """`docker stop` or `kill` during an import: a real process, on the test database."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from django.conf import settings as django_settings

    db = connection.settings_dict
    url = f"postgis://{db['USER'] or ''}:{db['PASSWORD'] or ''}@{db['HOST'] or ''}:{db['PORT'] or 5432}/{db['NAME']}"
    conninfo = {k: v for k, v in connection.get_connection_params().items()
                if k in {"dbname", "host", "port", "user", "password"}}
    path = write_csv(tmp_path / "long.csv", [[f"{r[0]} {i}", *r[1:]] for i in range(20_000) for r in ROWS[:1]])
    child = subprocess.Popen([sys.executable, str(django_settings.BASE_DIR / "manage.py"), "import_dispositifs",
                              str(path), "--source", "sigterm-test"], env={**os.environ, "DATABASE_URL": url},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with psycopg.connect(**conninfo, autocommit=True) as other:
        try:
            deadline = time.monotonic() + 120
            while not other.execute("SELECT 1 FROM imports_importrun WHERE source = 'sigterm-test' "
                                    "AND status = 'running'").fetchone():
                assert time.monotonic() < deadline and child.poll() is None, child.communicate()
                time.sleep(0.2)
            time.sleep(1)  # reading and validating rows
            child.send_signal(signal.SIGTERM)
            out, err = child.communicate(timeout=120)
            status, message, written = other.execute(
                "SELECT status, message, written FROM imports_importrun WHERE source = 'sigterm-test'").fetchone()
            created = other.execute("SELECT count(*) FROM dispositifs_dispositif WHERE source = 'sigterm-test'")
            assert child.returncode == 130, err
            assert (status, written) == ("interrupted", False) and message == "interrompu : rien n'a été écrit"
            assert created.fetchone()[0] == 0 and "rien n'a été écrit" in err
        finally:
            if child.poll() is None:
                child.kill()
            other.execute("DELETE FROM imports_importproblem WHERE run_id IN "
                          "(SELECT id FROM imports_importrun WHERE source = 'sigterm-test')")
            other.execute("DELETE FROM imports_importrun WHERE source = 'sigterm-test'")
