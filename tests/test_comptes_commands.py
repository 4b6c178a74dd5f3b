"""`create_account` creates or updates an account; with --print-token its last line is the API token."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from comptes import permissions
from comptes.models import Compte
from tests.comptes_cases import build_cases, fast_passwords  # noqa: F401

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = StringIO()
    call_command("create_account", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_then_update_with_token(client):
    lines = run("ddets21@example.org", "--role", "operateur", "--departement", "21", "--departement", "58",
                "--print-token")
    token = lines[-1]
    assert len(token) == 40
    compte = Compte.objects.get(user__email="ddets21@example.org")
    assert compte.role == "operateur" and permissions.scope(compte.user) == {"21", "58"}
    assert client.get("/api/v1/dispositifs/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    lines = run("DDETS21@example.org", "--role", "operateur", "--region", "27", "--print-token")
    assert lines[-1] == token  # same account, same token
    assert Compte.objects.count() == 1
    compte = Compte.objects.select_related("user").get()
    assert permissions.scope(compte.user) == {"21", "25", "39", "58", "70", "71", "89", "90"}  # Bourgogne-FC


def test_national_accounts_hold_the_admin(client):
    run("equipe@example.org", "--role", "national", "--password", "mot-de-passe-national-1")
    compte = Compte.objects.select_related("user").get()
    assert compte.user.is_staff and compte.user.is_superuser
    client.force_login(compte.user)
    assert client.get("/admin/dispositifs/dispositif/").status_code == 200


def test_structure_member_and_errors():
    cases = build_cases()
    run("benevole@example.org", "--role", "structure", "--structure", str(cases.dijon.pk))
    assert Compte.objects.get(user__email="benevole@example.org").structure == cases.dijon
    with pytest.raises(CommandError, match="structure inconnue"):
        run("x@example.org", "--role", "structure", "--structure", "999999")
    with pytest.raises(CommandError, match="un opérateur a au moins un département"):
        run("x@example.org", "--role", "operateur")
    with pytest.raises(CommandError, match="département inconnu"):
        run("x@example.org", "--role", "operateur", "--departement", "99")


def test_demo_accounts_are_printed_with_their_passwords():
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("==> opérateur Côte-d'Or : operateur21@demo.annuaire / operateur21-demo")
    assert "structure@demo.annuaire / structure-demo" in lines[1]
    operateur = Compte.objects.get(user__email="operateur21@demo.annuaire")
    assert permissions.scope(operateur.user) == {"21"} and operateur.user.check_password("operateur21-demo")
    assert Compte.objects.get(user__email="structure@demo.annuaire").structure is not None
    call_command("demo_accounts", stdout=StringIO())  # again: the same two accounts
    assert Compte.objects.count() == 2
