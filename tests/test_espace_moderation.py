"""Editing in the personal space: a structure member's edit waits, the operator publishes it or sends
it back with a comment; every change is in the history with who, when, through which channel, what."""

import pytest

from comptes.models import Decision, Proposition
from dispositifs.services import payload_of
from tests.comptes_cases import build_cases, fast_passwords  # noqa: F401
from tests.test_permissions_matrix import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return build_cases()


def edit(client, d, **changes):
    data = payload_of(d)
    data.update(changes)
    return client.post(f"/espace/dispositifs/{d.pk}/modifier/", form_data(data))


def test_member_edit_waits_then_operator_publishes_and_history_shows_it(client, c):
    client.force_login(c.structure)
    r = edit(client, c.inside, titre="Cours du soir à Dijon")
    assert r.status_code == 302
    c.inside.refresh_from_db()
    assert c.inside.title == "Cours à Dijon" and c.inside.status == "publie"  # the public fiche stays
    assert client.get(c.inside.get_absolute_url()).context["dispositif"].title == "Cours à Dijon"

    client.force_login(c.operateur)
    page = client.get("/espace/").content.decode()
    assert "Cours à Dijon" in page  # waiting for moderation on the dashboard
    page = client.get(f"/espace/dispositifs/{c.inside.pk}/").content.decode()
    assert "Modification proposée" in page and "Cours du soir à Dijon" in page
    assert client.post(f"/espace/dispositifs/{c.inside.pk}/publier/").status_code == 302
    c.inside.refresh_from_db()
    assert c.inside.title == "Cours du soir à Dijon" and c.inside.status == "publie"
    assert Proposition.objects.get().etat == "appliquee"

    page = client.get(f"/espace/dispositifs/{c.inside.pk}/").content.decode()
    history = page[page.index("data-historique"):]
    assert "Cours à Dijon" in history and "Cours du soir à Dijon" in history and "membre@example.org" in history
    record = c.inside.history.filter(title="Cours du soir à Dijon").earliest()
    assert record.history_user == c.structure and record.history_change_reason == "web"


def test_operator_sends_a_submission_back_with_a_comment(client, c):
    client.force_login(c.structure)
    r = client.post("/espace/dispositifs/nouveau/", form_data({
        "titre": "Permanence juridique", "themes": ["difficultes-administratives-ou-juridiques"],
        "lieux": [{"nom": "Maison de quartier", "commune": "21166"}]}))
    assert r.status_code == 302
    d = c.dijon.dispositifs.get(title="Permanence juridique")
    assert d.status == "soumis"
    assert client.get(d.get_absolute_url()).status_code == 404  # not public yet
    client.force_login(c.operateur)
    r = client.post(f"/espace/dispositifs/{d.pk}/renvoyer/", {"comment": "Précisez les horaires."})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "brouillon"
    assert Decision.objects.filter(dispositif=d, action="renvoye", comment="Précisez les horaires.").exists()
    client.force_login(c.structure)
    assert "Précisez les horaires." in client.get(f"/espace/dispositifs/{d.pk}/").content.decode()


def test_operator_edit_is_published_with_its_verification_date(client, c):
    from datetime import date

    client.force_login(c.operateur)
    r = edit(client, c.inside, resume="Deux soirs par semaine", telephone="0380000000")
    assert r.status_code == 302
    c.inside.refresh_from_db()
    assert (c.inside.summary, c.inside.phone, c.inside.last_verified) == (
        "Deux soirs par semaine", "03 80 00 00 00", date.today())
    public = client.get(c.inside.get_absolute_url()).content.decode()
    assert f"Vérifié le {date.today():%d/%m/%Y}" in public


def test_form_errors_come_from_the_one_validation_path(client, c):
    client.force_login(c.operateur)
    r = edit(client, c.inside, telephone="appelez-nous", age_min=40, age_max=20)
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert "illisible" in errors["telephone"][0] and "supérieur" in errors["age_min"][0]


def test_stale_fiche_says_so_publicly_and_one_button_confirms(client, c):
    from datetime import date, timedelta

    type(c.inside).objects.filter(pk=c.inside.pk).update(last_verified=date.today() - timedelta(days=400))
    assert "Non vérifié depuis plus de 6 mois" in client.get(c.inside.get_absolute_url()).content.decode()
    client.force_login(c.operateur)
    assert "Cours à Dijon" in client.get("/espace/dispositifs/?ancien=1&statut=publie").content.decode()
    client.post(f"/espace/dispositifs/{c.inside.pk}/verifier/")
    c.inside.refresh_from_db()
    assert c.inside.last_verified == date.today()
