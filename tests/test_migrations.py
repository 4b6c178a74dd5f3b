"""Every model change has its migration, in every app (a field option changed in one app can need a
migration in another: the history models of `comptes` mirror the fields of `dispositifs`)."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db(databases="__all__")  # every alias the session declared (tests/test_replica.py adds one)
def test_no_model_change_is_without_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit:
        pytest.fail("makemigrations has work to do:\n" + out.getvalue())
