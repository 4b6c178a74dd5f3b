"""A real job runner for the tests: `manage.py procrastinate worker` (what `make worker` runs) in a
subprocess, on the test database. Jobs and the data they read must be committed for it to see
them: tests that use it take `transactional_db` (or `django_db(transaction=True)`)."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgis://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.process = None

    def start(self, *, queues: list[str] | None = None) -> "Worker":
        # No catch-up of the periodic refreshes at start: a test runs the jobs it queues, and only those.
        env = {**os.environ, "DATABASE_URL": test_database_url(), "ANNUAIRE_MAPS_DIR": str(settings.MAPS_DIR),
               "TILES_URL": getattr(settings, "TILES_URL", ""), "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO",
               "ANNUAIRE_PERIODIC_MAX_DELAY": "0"}
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker", "--name", "tests",
             "--fetch-job-polling-interval", "0.2", "--queues", ",".join(queues or []),
             "--shutdown-graceful-timeout", "2"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def wait_for(self, job_id: int, *, timeout: float = 60) -> str:
        """Wait until job `job_id` is done; its final status ("succeeded", "failed"...)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job_id])
                row = cursor.fetchone()
            if row and row[0] not in ("todo", "doing"):
                return row[0]
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited ({self.process.returncode}):\n{self.output()}")
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} not done after {timeout} s:\n{self.output()}")

    def wait_until_idle(self, *, timeout: float = 60) -> None:
        """Wait until no job is waiting or running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
                if cursor.fetchone()[0] == 0:
                    return
            time.sleep(0.2)
        raise AssertionError(f"jobs still pending after {timeout} s:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # a sync job still running in its thread is not waited for
            try:
                self.process.wait(timeout=4)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
