"""The cyclic garbage collector is paused while a run builds its rows (imports.services.collector_paused)
and always running again afterwards, whether the run succeeded, was refused or crashed."""

import gc

import pytest

from dispositifs.models import Dispositif
from imports.services import import_file
from tests.import_files import ROWS, write_csv

pytestmark = pytest.mark.django_db


def test_paused_during_the_run_and_running_after(tmp_path):
    seen = []
    result = import_file(write_csv(tmp_path / "f.csv", ROWS), source="s",
                         progress=lambda *args: seen.append(gc.isenabled()))
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=0"
    assert seen and not any(seen)
    assert gc.isenabled()


def test_running_again_after_a_refused_file_and_after_a_crash(tmp_path):
    bad = tmp_path / "f.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a workbook")
    assert import_file(bad, source="s").exit_code == 2
    assert gc.isenabled()

    def cancel(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(write_csv(tmp_path / "f.csv", ROWS), source="s", progress=cancel)
    assert gc.isenabled()
    assert not Dispositif.objects.filter(source="s").exists()


def test_an_import_started_with_the_collector_off_leaves_it_off(tmp_path):
    gc.disable()
    try:
        import_file(write_csv(tmp_path / "f.csv", ROWS), source="s")
        assert not gc.isenabled()
    finally:
        gc.enable()
