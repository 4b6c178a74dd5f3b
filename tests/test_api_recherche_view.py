"""GET /api/v1/recherche/ (dispositifs/api/views.py, `recherche_view`): a plain GET is answered without DRF's
request machinery, with the answers DRF gives; HEAD, OPTIONS and `?format=` are DRF's."""

import pytest
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db
URL = "/api/v1/recherche/"


def test_a_plain_get_runs_no_drf_machinery(client, monkeypatch):
    def drf(*args, **kwargs):
        raise AssertionError("DRF's request machinery ran")

    monkeypatch.setattr(APIView, "initial", drf)
    r = client.get(URL, {"commune": "21231"})
    assert r.status_code == 200 and r["Content-Type"] == "application/json" and r["Allow"] == "GET, HEAD, OPTIONS"
    assert r.json()["lieu"]["commune"]["code"] == "21231"
    with pytest.raises(AssertionError, match="machinery"):
        client.get(URL, {"commune": "21231", "format": "json"})


@pytest.mark.parametrize("params, status", [
    ({"commune": "21231", "rayon_km": "abc"}, 400),
    ({"commune": "21999"}, 404),
    ({}, 400),
])
def test_errors_are_the_ones_drf_gives(client, params, status):
    fast = client.get(URL, params)
    through_drf = client.get(URL, {**params, "format": "json"})
    assert fast.status_code == through_drf.status_code == status
    assert fast.content == through_drf.content and fast["Allow"] == through_drf["Allow"]
    assert fast.json()["detail"]


def test_head_options_and_unknown_format_are_drfs(client):
    assert client.head(URL, {"commune": "21231"}).status_code == 200
    assert client.options(URL).json()["name"]
    r = client.get(URL, {"commune": "21231", "format": "xml"})
    assert r.status_code == 400 and "format inconnu" in r.json()["detail"]
