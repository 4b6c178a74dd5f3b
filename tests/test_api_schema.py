"""The OpenAPI schema loads and documents every parameter in French and English; the docs page
is served with local (sidecar) assets only."""

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_schema_documents_every_parameter(client):
    r = client.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    schema = r.json() if r["Content-Type"].startswith("application/vnd.oai.openapi+json") else yaml.safe_load(
        r.content)
    paths = schema["paths"]
    for path in ("/api/v1/recherche/", "/api/v1/dispositifs/", "/api/v1/dispositifs/{id}/",
                 "/api/v1/territoires/communes/", "/api/v1/territoires/departements/"):
        assert path in paths, path
    params = {p["name"]: p for p in paths["/api/v1/recherche/"]["get"]["parameters"]}
    assert {"lieu", "theme", "public", "langue", "age", "gratuit",
            "modalite", "niveau_francais", "rayon_km", "national", "page", "page_size"} <= set(params)
    # the place is one exploded object: exactly one of lat+lon, commune, code_postal, adresse
    lieu = params["lieu"]
    assert lieu["style"] == "form" and lieu["explode"] and lieu["required"]
    assert [sorted(shape["required"]) for shape in lieu["schema"]["oneOf"]] == [
        ["lat", "lon"], ["commune"], ["code_postal"], ["adresse"]]
    for path in ("/api/v1/recherche/", "/api/v1/dispositifs/", "/api/v1/territoires/communes/"):
        for p in paths[path]["get"]["parameters"]:
            if p["in"] != "query":
                continue
            assert " / " in p.get("description", ""), f"{path} {p['name']}: French / English description"


def test_docs_page_works_offline(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and not [a for a in assets if a.startswith("http")]
    for asset in assets:
        if asset.endswith((".js", ".css")):
            static = client.get(asset)
            assert static.status_code == 200, asset
