"""Real servers for the hardening tests: gunicorn with the project's config, a throwaway PostgreSQL
cluster of our own (so it can be stopped and paused without touching the project's one), and a TCP
server that accepts connections and never answers (a hung database)."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]) \
    if Path("/usr/lib/postgresql").exists() else None


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def get(url: str, timeout: float = 30, headers: dict | None = None, method: str = "GET") -> Answer:
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body, status, hdrs = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        body, status, hdrs = exc.read(), exc.code, dict(exc.headers)
    return Answer(status, body, hdrs, time.monotonic() - started)


def free_port() -> int:
    """A loopback port the kernel has just handed out, so parallel test workers never pick the same one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """`gunicorn annuaire.wsgi -c annuaire/gunicorn.conf.py` on a loopback port, in its own process group."""

    def __init__(self, port: int, env: dict, workers: int = 1, threads: int = 2, log: Path | None = None):
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self.log = log or Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        full_env = {**os.environ, "ANNUAIRE_WEB": "1", **env}
        self.process = subprocess.Popen(
            [str(GUNICORN), "annuaire.wsgi", "-c", "annuaire/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads)],
            cwd=ROOT, env=full_env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, path: str = "/static/annuaire/annuaire.js", timeout: float = 60) -> "Gunicorn":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                get(self.url + path, timeout=5)
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self.stop()  # the fixture raises before its teardown: do not leave the server behind
        raise RuntimeError(f"gunicorn not ready: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class ThrowawayCluster:
    """A PostgreSQL + PostGIS cluster in a temporary directory (run as `postgres` when we are root)."""

    def __init__(self, port: int):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="annuaire-outage-"))
        self.data = self.dir / "data"
        self.runas = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.runas:
            shutil.chown(self.dir, "postgres")
        self.url = f"postgis://annuaire@127.0.0.1:{port}/annuaire"

    def _run(self, *args):
        subprocess.run([*self.runas, *map(str, args)], check=True, capture_output=True, cwd="/")

    def create(self) -> "ThrowawayCluster":
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "annuaire", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.start()
        self._run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "annuaire", "annuaire")
        subprocess.run([str(PY), "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, check=True,
                       env={**os.environ, "DATABASE_URL": self.url})
        return self

    def start(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.dir / "log", "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def processes(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True,
                                  text=True).stdout.split()
        return [postmaster, *map(int, children)]

    def pause(self) -> None:
        """Every process of the cluster stopped (SIGSTOP): the kernel still accepts and acknowledges."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)

    def destroy(self) -> None:
        try:
            self.resume()
            self.stop()
        except Exception:  # noqa: BLE001 (already stopped)
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class SilentServer:
    """Accepts TCP connections on loopback and never sends a byte: a database that hangs at connect."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()
