"""gunicorn's threaded worker, with a French JSON 414: a request line over gunicorn's limit (8190 bytes)
never reaches Django, and gunicorn would answer it with its own English HTML page. The path is not known
at that point (the line was not read to its end), so every 414 is JSON: a browser user never builds
such an address, a script reads `detail`. Shorter over-long queries are Django's 400 (annuaire.middleware)."""

import contextlib
import json

from gunicorn import util
from gunicorn.http.errors import LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

DETAIL_414 = ("Adresse trop longue : la ligne de requête dépasse 8190 octets. Raccourcissez la requête "
              "(au plus 4096 caractères après le « ? »).")


class AnnuaireWorker(ThreadWorker):
    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, LimitRequestLine):
            return super().handle_error(req, client, addr, exc)
        body = json.dumps({"detail": DETAIL_414}, ensure_ascii=False).encode()
        head = ("HTTP/1.1 414 URI Too Long\r\nConnection: close\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin1")
        with contextlib.suppress(OSError):  # the client may be gone already
            util.write_nonblock(client, head + body)
        self.log.info("414 request line too long from %s", addr and addr[0])
