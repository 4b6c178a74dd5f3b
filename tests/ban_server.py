"""A stand-in for the Base Adresse Nationale on 127.0.0.1 (random port) serving recorded answers
(tests/ban/recorded.json), so the BAN geocoding path runs for real (geopy, HTTP, JSON) without
the internet. `mode` switches it to the failures a real network has: "500", "slow", "ok".
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from territoires.text import fold

RECORDED = Path(__file__).resolve().parent / "ban" / "recorded.json"
EMPTY = {"type": "FeatureCollection", "version": "draft", "features": [], "attribution": "BAN",
         "licence": "ETALAB-2.0", "limit": 1}


class BanServer:
    def __init__(self):
        self.answers = {fold(q): a for q, a in json.loads(RECORDED.read_text("utf-8")).items()
                        if not q.startswith("_")}
        self.requests: list[str] = []
        self.mode = "ok"
        self.delay = 2.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                url = urlsplit(self.path)
                query = parse_qs(url.query).get("q", [""])[0]
                server.requests.append(query)
                if server.mode == "500":
                    self._send(500, {"code": 500, "message": "Internal Server Error"})
                    return
                if server.mode == "slow":
                    time.sleep(server.delay)
                if url.path.rstrip("/") != "/search":
                    self._send(404, {"code": 404, "message": "Not found"})
                    return
                self._send(200, server.answers.get(fold(query), {**EMPTY, "query": query}))

            def _send(self, status, payload):
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def unused_port_url() -> str:
    """A loopback URL where nothing listens (the "network down" case)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
