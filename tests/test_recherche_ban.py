"""`adresse` through the Base Adresse Nationale when GEOCODER=ban, faked by a loopback HTTP server;
offline reading when BAN is off, down, or finds nothing."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from dispositifs.recherche import PlaceNotFound, resolve_place

pytestmark = pytest.mark.django_db

CHENOVE_STREET = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "geometry": {"type": "Point", "coordinates": [5.0061, 47.2931]},
    "properties": {"label": "1 Place Pierre Meunier 21300 Chenôve", "score": 0.9, "type": "housenumber"}}]}


class FakeBAN(BaseHTTPRequestHandler):
    queries: list = []

    def do_GET(self):
        url = urlparse(self.path)
        q = parse_qs(url.query).get("q", [""])[0]
        FakeBAN.queries.append((url.path, q))
        body = CHENOVE_STREET if "meunier" in q.lower() else {"type": "FeatureCollection", "features": []}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def ban(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeBAN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeBAN.queries = []
    settings.GEOCODER = "ban"
    settings.BAN_URL = f"http://127.0.0.1:{server.server_port}"
    settings.BAN_TIMEOUT = 2
    yield FakeBAN
    server.shutdown()


def test_ban_point_and_label(ban):
    place = resolve_place(adresse="1 place Pierre Meunier Chenôve")
    assert place.commune.code == "21166"
    assert place.label == "1 Place Pierre Meunier 21300 Chenôve"
    assert abs(place.point.x - 5.0061) < 1e-6 and abs(place.point.y - 47.2931) < 1e-6
    assert [(p.rstrip("/"), q) for p, q in ban.queries] == [("/search", "1 place Pierre Meunier Chenôve")]


def test_ban_finds_nothing_falls_back_to_the_offline_reading(ban):
    assert resolve_place(adresse="quelque part 21000").commune.code == "21231"
    assert len(ban.queries) == 1


def test_ban_down_falls_back(settings):
    settings.GEOCODER = "ban"
    settings.BAN_URL = "http://127.0.0.1:9"   # discard port: connection refused
    settings.BAN_TIMEOUT = 1
    assert resolve_place(adresse="rue de la Gare, Dijon").commune.code == "21231"
    with pytest.raises(PlaceNotFound):
        resolve_place(adresse="nulle part")


def test_offline_never_calls_ban(settings, ban):
    settings.GEOCODER = "offline"
    assert resolve_place(adresse="1 place Pierre Meunier 21300 Chenôve").commune.code == "21166"
    assert ban.queries == []
