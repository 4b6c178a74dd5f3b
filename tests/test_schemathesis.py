"""The API does what its schema says (issue #10, item 6): schemathesis, every check (`--checks all`:
server errors, status codes, content types, response schemas, schema-valid requests accepted,
schema-violating ones rejected, undeclared methods answered 405…), a fixed seed, all its phases
(examples, coverage, fuzzing, stateful), against gunicorn on loopback serving the test database.

The per-client limits of the heavy endpoints are turned off for this run (ANNUAIRE_HEAVY_RATE=""), or
most of their cases would be 429s; tests/test_heavy_endpoints.py tests the limits themselves. No job
worker runs: national reports and exports answer their documented 202 « en préparation ».
"""

import os
import re
import subprocess

import pytest
from django.db import connection

from .live import ROOT, Gunicorn, free_port

SEED = 20261129
MAX_EXAMPLES = 12  # per operation and phase: about 1,500 cases in all


pytestmark = pytest.mark.django_db  # the test database (territoires, themes) exists for the session

SAMPLE = """
from dispositifs.models import Dispositif, Structure
from tests.browser.sample import build_sample
if {remove}:  # the test database holds no other committed dispositif
    Dispositif.objects.all().delete()
    Structure.objects.all().delete()
else:
    build_sample()
"""


def _sample(url: str, *, remove: bool) -> None:
    """Committed by another process: the test's own connection is inside its transaction."""
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "shell", "-c",
                           SAMPLE.format(remove=remove)],
                          cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture
def server():
    """gunicorn on the test database, with a few dispositifs around Dijon (removed afterwards)."""
    db = connection.settings_dict
    url = f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    _sample(url, remove=False)
    server = Gunicorn(free_port(), {"DATABASE_URL": url, "ANNUAIRE_HEAVY_RATE": ""},
                      workers=2, threads=4)
    try:
        yield server.wait_ready("/healthz")
    finally:
        server.stop()
        _sample(url, remove=True)


def test_schemathesis_all_checks_pass(server, tmp_path):
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "st"), "run", f"{server.url}/api/schema/?format=json",
         "--checks", "all", "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES), "--workers", "2",
         "--request-timeout", "20", "--wait-for-schema", "30", "--no-color", "--report-dir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
    output = result.stdout + result.stderr
    generated = re.search(r"(\d+) generated", output)
    assert generated and int(generated.group(1)) >= 300, output[-3000:]
    failures = "\n".join(line for line in output.splitlines()
                         if re.match(r"^(_{3,} |- ST\d{3}|\s+curl )", line))
    assert result.returncode == 0, f"schemathesis found failures:\n{failures}\n\n{output[-1500:]}"
