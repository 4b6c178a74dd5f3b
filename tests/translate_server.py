"""A LibreTranslate-compatible server on loopback for the tests: POST /translate {q, source, target, format}
answers {"translatedText": ...} the way LibreTranslate does (a string for a string, a list for a list).
Its "translation" is recognisable: «ar» before the French text. It records what it was asked."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TranslateServer:
    def __init__(self):
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append({"path": self.path, **body})
                if self.path != "/translate" or body.get("source") != "fr":
                    self.send_response(400)
                    self.end_headers()
                    return
                q, mark = body["q"], f"«{body['target']}»"
                translated = [f"{mark} {t}" for t in q] if isinstance(q, list) else f"{mark} {q}"
                data = json.dumps({"translatedText": translated}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
