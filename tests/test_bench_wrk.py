"""The benchmarks' wrk runner counts what the server answered: statuses, bytes, errors. bench-load
judges the heavy clients by it (no 5xx, no connection error), so the counting itself is tested,
against a real HTTP server on loopback."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.search_load import wrk


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status, body = {"/ok": (200, b"x" * 1000), "/refused": (429, b"{}")}.get(self.path, (500, b"boom"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_wrk_counts_each_status_and_the_bytes(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        result = wrk(base, ["/ok", "/refused", "/broken"], connections=2, duration=1, workdir=tmp_path, threads=1)
    finally:
        server.shutdown()
    statuses = result["statuses"]
    assert set(statuses) == {200, 429, 500} and sum(statuses.values()) == result["requests"] > 30
    assert result["errors"] == statuses[429] + statuses[500]
    assert result["bytes"] > 1000 * statuses[200]
