"""Invitations, password reset and freshness reminders delivered through a real SMTP server on
loopback (aiosmtpd), whose links the test then follows like the person would."""

import re
from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command

from comptes.freshness import link as reminder_link
from dispositifs.models import Dispositif
from tests.comptes_cases import PASSWORD, build_cases, dispositif, fast_passwords  # noqa: F401
from tests.live import free_port

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def body(self, n=-1) -> str:
        return self.messages[n][1].get_body(("plain",)).get_content()


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.SITE_URL = "http://testserver"
    try:
        yield handler
    finally:
        controller.stop()


def links(text: str) -> list[str]:
    return [u.replace("http://testserver", "") for u in re.findall(r"http://testserver\S+", text)]


def test_invitation_through_smtp_then_set_password_and_log_in(client, inbox):
    cases = build_cases()
    client.force_login(cases.operateur)
    r = client.post("/espace/inviter/", {"email": "Nouvelle@Example.org", "role": "structure",
                                         "structure": cases.dijon.pk})
    assert r.status_code == 302
    assert mail.outbox == []  # went through the SMTP backend, not the test outbox
    assert len(inbox.messages) == 1
    rcpt, message = inbox.messages[0]
    assert rcpt == ["nouvelle@example.org"]
    assert message["Subject"] == "Votre compte sur l'Annuaire de l'intégration"
    [link] = links(inbox.body())
    client.logout()
    r = client.get(link, follow=True)  # Django swaps the token for a session and redirects to the form
    assert r.status_code == 200 and b"Choisir un mot de passe" in r.content
    r = client.post(r.redirect_chain[-1][0], {"new_password1": "un-mot-de-passe-long-42",
                                              "new_password2": "un-mot-de-passe-long-42"}, follow=True)
    assert r.status_code == 200
    r = client.get("/espace/")
    assert r.status_code == 200 and "nouvelle@example.org" in r.content.decode()
    client.logout()
    assert client.get(link, follow=True).context["validlink"] is False  # single use
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(email="nouvelle@example.org").check_password("un-mot-de-passe-long-42")


def test_password_reset_through_smtp(client, inbox):
    cases = build_cases()
    r = client.post("/espace/mot-de-passe/", {"email": cases.structure.email})
    assert r.status_code == 302
    [link] = links(inbox.body())
    r = client.get(link, follow=True)
    r = client.post(r.redirect_chain[-1][0], {"new_password1": "autre-mot-de-passe-99",
                                              "new_password2": "autre-mot-de-passe-99"})
    assert r.status_code == 302
    cases.structure.refresh_from_db()
    assert cases.structure.check_password("autre-mot-de-passe-99") and not cases.structure.check_password(PASSWORD)


def test_reminder_through_smtp_and_the_one_click_link(client, inbox):
    cases = build_cases()
    old = date.today() - timedelta(days=250)
    Dispositif.objects.filter(pk__in=[cases.inside.pk, cases.outside.pk]).update(last_verified=old)
    Dispositif.objects.filter(pk=cases.nationale.pk).update(last_verified=date.today())
    orphan = dispositif("Sans structure à Dijon", commune="21231")  # never verified
    call_command("send_reminders")
    # the Dijon fiche goes to its structure's member, the one without a structure to the operator of
    # Côte-d'Or; the Rennes one has neither member nor operator
    assert sorted(rcpt for rcpt, _ in inbox.messages) == [[cases.structure.email], [cases.operateur.email]]
    operator_body = inbox.body(1)
    assert "Sans structure à Dijon" in operator_body and f"/espace/dispositifs/{orphan.pk}/modifier/" in operator_body
    body = inbox.body(0)
    assert "Cours à Dijon" in body and "Cours à Rennes" not in body
    confirm, edit = links(body)
    assert edit == f"/espace/dispositifs/{cases.inside.pk}/modifier/"
    r = client.get(confirm)  # opening the link (a person, or a mail scanner) only asks
    assert r.status_code == 200 and "Cours à Dijon" in r.content.decode()
    cases.inside.refresh_from_db()
    assert cases.inside.last_verified == old
    r = client.post(confirm)  # no login needed: the signed link names the person and the fiche
    assert r.status_code == 200
    cases.inside.refresh_from_db()
    assert cases.inside.last_verified == date.today()
    record = cases.inside.history.latest()
    assert record.history_user == cases.structure and record.history_change_reason == "rappel"
    assert client.get(confirm[:-6] + "abcdef/").status_code == 400  # tampered


def test_reminder_link_expires(client, settings):
    cases = build_cases()
    from django.core import signing

    url = reminder_link(cases.structure, cases.inside)
    token = url.rstrip("/").rsplit("/", 1)[1]
    signer = signing.TimestampSigner(salt="comptes.freshness.toujours-a-jour")
    value = signer.unsign(token, max_age=None)
    stale = signing.TimestampSigner(salt="comptes.freshness.toujours-a-jour")
    stale.timestamp = lambda: signing.b62_encode(0)  # signed in 1970
    r = client.get(f"/espace/verifie/{stale.sign(value)}/")
    assert r.status_code == 400 and "expiré" in r.content.decode()
