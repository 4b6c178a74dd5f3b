"""The GeoJSON that PostgreSQL writes (maps/exports/sql.py) byte for byte: each feature is the line
the Python writer's values give once serialised with the file's separators, whatever the data holds
(quotes, backslashes, control characters, `{{ }}`, `</script>`, `%s`): data stays data, JSON-escaped
exactly as Python's json.dumps escapes it, and the empty cells that skip to_json are still `""`."""

import io
import json
from datetime import date

import pytest
from django.contrib.gis.geos import Point

from dispositifs.models import Dispositif, Lieu, Structure
from maps.exports import chunks, make_scope, metadata
from maps.exports.geojson import write_geojson
from maps.exports.scope import iter_dispositifs
from territoires.models import Commune

pytestmark = pytest.mark.django_db

NASTY = ("Cours \"FLE\" l'après-midi \\ C:\\temp\\ {{ 7*7 }} {% debug %} </script><script>alert(1)</script>"
         "\nligne 2\r\n\tfin \x01\x08\x0c\x1b\x1f\x7f « é » \u2028 %s %% 100% $1")

SOURCE = 'src "q" \\ \x01 </script>'  # a slug field of 80 characters at most


def build():
    structure = Structure.objects.create(name=f"Asso {NASTY}", kind="association")
    lyon = Commune.objects.get(code="69123")
    d = Dispositif.objects.create(
        title=NASTY, summary="", description=NASTY[::-1], structure=structure, status="publie",
        source=SOURCE, import_key="nasty-1", external_id="ID\"1\\", publics=["bpi"], age_min=16,
        free=True, price="%s", phone="", languages=["ar"],
        modality="distance", start_date=date(2026, 1, 31), last_verified=date(2026, 3, 4))
    d.themes.set(["sante"])
    Lieu.objects.create(dispositif=d, commune=lyon, point=Point(4.8357123456, 45.7640987654, srid=4326),
                        precision="adresse", name=f"Lieu {NASTY}", address="12 rue \"Neuve\" \\",
                        postal_code="69002", accessibility="", opening_hours=NASTY[:40])
    Lieu.objects.create(dispositif=d, commune=lyon, point=Point(4.8123451, 45.7512341, srid=4326),
                        precision="commune", name="")
    bare = Dispositif.objects.create(title="Sans lieu", status="publie", national=True, source="",
                                     import_key="nasty-2", free=None)
    bare.themes.set(["sante"])
    return d, bare


def line(feature: dict) -> str:
    """A feature as the file writes it: the envelope with json.dumps' `": "`, the properties with
    json_build_object's `" : "` (what the file always had), every value escaped by json.dumps."""
    properties = ", ".join(f"{json.dumps(k, ensure_ascii=False)} : {json.dumps(v, ensure_ascii=False)}"
                           for k, v in feature["properties"].items())
    return (f'{{"type": "Feature", "id": {json.dumps(feature["id"])}, "geometry": {json.dumps(feature["geometry"])}, '
            f'"properties": {{{properties}}}}}')


def test_each_feature_is_the_python_values_byte_for_byte():
    d, bare = build()
    scope = make_scope(all=True)
    meta = metadata(scope)
    text = b"".join(chunks(scope, "geojson", meta=meta)).decode("utf-8")
    parsed = json.loads(text)  # valid JSON as a whole
    head = '{"type": "FeatureCollection", "metadata": ' + json.dumps(meta, ensure_ascii=False) + ', "features": [\n'
    assert text.startswith(head) and text.endswith("\n]}\n")
    lines = text[len(head):-len("\n]}\n")].split("\n,")  # no raw line break inside a feature
    assert len(lines) == len(parsed["features"]) == 3

    stream = io.StringIO()
    write_geojson(stream, iter_dispositifs(scope), metadata=meta)
    expected = json.loads(stream.getvalue())["features"]
    assert [line(f) for f in expected] == lines

    first = parsed["features"][0]["properties"]
    assert first["Intitulé"] == NASTY and first["Nom du lieu"] == f"Lieu {NASTY}"
    assert first["Structure"] == f"Asso {NASTY}" and first["Source"] == SOURCE and first["Tarif"] == "%s"
    assert first["Identifiant"] == 'ID"1\\' and first["Résumé"] == "" and first["Accessibilité"] == ""
    assert (first["Âge minimum"], first["Âge maximum"], first["Gratuit"]) == (16, "", "Oui")
    assert (first["Latitude"], first["Longitude"]) == (45.764099, 4.835712)
    assert '"Intitulé" : ' + json.dumps(NASTY, ensure_ascii=False) in lines[0]
    assert "\\u0001\\b\\f\\u001b\\u001f\x7f" in lines[0] and "</script>" in lines[0]  # as json.dumps writes them
    assert lines[0].startswith(f'{{"type": "Feature", "id": "{d.pk}-')
    assert lines[2] == line(expected[2]) and f'"id": "{bare.pk}", "geometry": null' in lines[2]
    assert '"Nom du lieu" : "", ' in lines[2] and '"Latitude" : null, "Longitude" : null' in lines[2]
