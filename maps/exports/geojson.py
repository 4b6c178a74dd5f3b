"""GeoJSON: a FeatureCollection of lieux (properties = the export row), with a top-level
`metadata` member (attribution, licence, date). A dispositif without lieu is a Feature with a
null geometry, which RFC 7946 allows, so nothing is lost. The exports write GeoJSON with
PostgreSQL's COPY (sql.py); this writer stays as the reference it is tested against."""

import json

from .rows import iter_rows


def write_geojson(stream, dispositifs, *, metadata: dict) -> int:
    """Streams features one by one so a national export stays flat in memory."""
    stream.write('{"type": "FeatureCollection", "metadata": ')
    stream.write(json.dumps(metadata, ensure_ascii=False))
    stream.write(', "features": [\n')
    n = 0
    for d, lieu, row in iter_rows(dispositifs):
        geometry = None
        if lieu is not None:
            geometry = {"type": "Point", "coordinates": [round(lieu.lon, 6), round(lieu.lat, 6)]}
        properties = {**row, "id": d.pk}
        if lieu is not None:
            properties.update(Latitude=geometry["coordinates"][1], Longitude=geometry["coordinates"][0])
        else:
            properties.update(Latitude=None, Longitude=None)
        feature = {"type": "Feature", "id": f"{d.pk}-{lieu.pk}" if lieu else str(d.pk), "geometry": geometry,
                   "properties": properties}
        stream.write((",\n" if n else "") + json.dumps(feature, ensure_ascii=False))
        n += 1
    stream.write("\n]}\n")
    return n
