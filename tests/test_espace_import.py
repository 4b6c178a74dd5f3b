"""The web import on the real job runner: upload a messy spreadsheet, a dry run in the background,
the preview (problems by cause, an unknown theme mapped once and remembered for the source, the
rejected rows as XLSX with a "raison" column), confirm, the dispositifs are public."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from comptes.models import Correspondance, Source
from comptes.services import save_account
from dispositifs.models import Dispositif
from espace.models import Televersement
from tests.comptes_cases import fast_passwords  # noqa: F401

MESSY_CSV = (
    "Offre d'intégration — DDETS Côte-d'Or;;;;\n"
    ";;;;\n"
    "Intitulé de l'action;Structure porteuse;Thématique;Code postal;Ville\n"
    "Cours de français du soir;Accueil Dijon;Apprendre le français;21000;Dijon\n"
    "Atelier CV;Accueil Dijon;Ateliers du jeudi;21300;Chenôve\n"
    "Permanence santé;Accueil Dijon;Santé;99999;Nulle-Part\n"
    ";;;;\n"
    "Jardin partagé;Accueil Dijon;Ateliers du jeudi;21000;Dijon\n"
).encode("cp1252")


@pytest.fixture
def operateur():
    user = save_account("ddets21@example.org", role="operateur", departements=["21"], sources=["ddets-21"])
    Source.objects.filter(slug="ddets-21").update(departement_id="21", label="DDETS Côte-d'Or")
    return user


def wait(client, job_worker, t):
    job_worker.wait_until_idle(timeout=120)
    t.refresh_from_db()
    return client.get(f"/espace/imports/{t.pk}/")


def test_upload_preview_map_reject_confirm(client, job_worker, operateur):
    client.force_login(operateur)
    upload = SimpleUploadedFile("offre ddets 21.csv", MESSY_CSV, content_type="text/csv")
    r = client.post("/espace/imports/", {"source": "ddets-21", "fichier": upload})
    assert r.status_code == 302
    t = Televersement.objects.get()
    assert client.get(r["Location"]).status_code == 200  # the progress page, refreshing itself
    r = wait(client, job_worker, t)
    assert t.etat == "apercu" and t.essai.dry_run and not Dispositif.objects.exists()  # nothing written yet
    page = r.content.decode()
    assert "Ateliers du jeudi" in page  # the unknown theme, once, to map
    assert r.context["run"].rows == 4 and r.context["rejected"] >= 1

    # map the unknown theme: remembered for the source, the dry run runs again
    unknown = r.context["unknown"]["themes"]
    assert list(unknown) == ["Ateliers du jeudi"]
    r = client.post(f"/espace/imports/{t.pk}/correspondances/",
                    {"valeur-1": "Ateliers du jeudi", "cible-1": "preparer-sa-candidature"})
    assert r.status_code == 302
    assert Correspondance.objects.get(source_id="ddets-21").target == "preparer-sa-candidature"
    r = wait(client, job_worker, t)
    assert t.etat == "apercu" and "themes" not in r.context["unknown"]
    assert r.context["run"].rejected == 1  # only the unknown place is left

    # the rejected rows, as written, with their reason
    r = client.get(f"/espace/imports/{t.pk}/rejets.xlsx")
    assert r.status_code == 200
    rows = list(load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][-1] == "raison" and rows[0][0] == "Intitulé de l'action"
    assert len(rows) == 2 and rows[1][0] == "Permanence santé" and rows[1][-1]

    r = client.post(f"/espace/imports/{t.pk}/confirmer/")
    r = wait(client, job_worker, t)
    assert t.etat == "termine" and not t.run.dry_run and t.run.created == 3
    assert "3 créés" in r.content.decode()
    titles = {d["titre"] for d in client.get("/api/v1/dispositifs/?departement=21").json()["results"]}
    assert titles == {"Cours de français du soir", "Atelier CV", "Jardin partagé"}
    d = Dispositif.objects.get(title="Atelier CV")
    assert d.history.latest().history_change_reason == "import" and d.history.latest().history_user == operateur


@pytest.mark.django_db
def test_another_source_is_refused(client, operateur):
    client.force_login(operateur)
    Source.objects.create(slug="ddets-35")
    upload = SimpleUploadedFile("x.csv", MESSY_CSV, content_type="text/csv")
    assert client.post("/espace/imports/", {"source": "ddets-35", "fichier": upload}).status_code == 403
    assert not Televersement.objects.exists()


@pytest.mark.django_db
def test_a_moderated_source_leaves_its_rows_waiting(operateur):
    from espace import televersements
    from imports.models import ImportRun
    from tests.comptes_cases import dispositif

    source = Source.objects.get(slug="ddets-21")
    source.publish_directly = False
    source.save()
    run = ImportRun.objects.create(source="ddets-21", file_name="offre.csv", sha256="", user=operateur)
    written = dispositif("Importé à Dijon", commune="21231")
    Dispositif.objects.filter(pk=written.pk).update(source="ddets-21")
    televersements.after_import(Televersement(user=operateur, source=source), run, source)
    written.refresh_from_db()
    assert written.status == "soumis"
    record = written.history.latest()
    assert record.history_change_reason == "import" and record.history_user == operateur
