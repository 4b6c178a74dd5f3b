"""What /api/schema/ says beyond what drf-spectacular reads from the DRF views (a postprocessing hook).

- The couverture and export endpoints are plain Django views (DRF reserves `format`, and they serve
  stored files): drf-spectacular cannot see them, so their operations are written here, next to nothing
  else, from the same constants the views use (formats, distances).
- `?format=geojson` answers a FeatureCollection, not the JSON serializer's shape.
- Answers any endpoint may give, whatever its view: 400 (query string too long, annuaire.middleware),
  503 (database down or hung, annuaire.errors), 429 on the heavy endpoints (annuaire.limits).
tests/test_schemathesis.py checks all of it against a live server.
"""

ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {"type": "object", "properties": {"detail": {"type": "string"}, "parametre": {"type": "string"}},
                "required": ["detail"]}
PREPARING = {"type": "object", "required": ["detail"],
             "properties": {"detail": {"type": "string"}, "etat": {"type": "string"}, "statut": {"type": "string"}}}
HEAVY_PREFIXES = ("/api/v1/couverture/", "/api/v1/exports/", "/api/v1/densite/", "/api/v1/departements/")

FEATURE = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
    "type": {"type": "string", "enum": ["Feature"]},
    "geometry": {"type": "object", "nullable": True, "properties": {"type": {"type": "string"},
                                                                    "coordinates": {"type": "array"}}},
    "properties": {"type": "object", "additionalProperties": True}}}
FEATURE_COLLECTION = {"type": "object", "required": ["type", "features"], "properties": {
    "type": {"type": "string", "enum": ["FeatureCollection"]},
    "features": {"type": "array", "items": FEATURE},
    "metadata": {"type": "object", "additionalProperties": True}}}
PAGINATED_FEATURES = {**FEATURE_COLLECTION, "properties": {
    **FEATURE_COLLECTION["properties"], "count": {"type": "integer"},
    "next": {"type": "string", "nullable": True, "format": "uri"},
    "previous": {"type": "string", "nullable": True, "format": "uri"}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _errors(*codes: int) -> dict:
    words = {400: "Paramètre invalide / invalid parameter", 404: "Territoire inconnu / unknown territory",
             429: "Trop de demandes / rate limited", 503: "Base de données indisponible / database unavailable"}
    return {str(code): _json(ERROR, words[code]) for code in codes}


def couverture_operation() -> dict:
    from maps.stored import COUVERTURE_FORMATS, NATIONAL_KM

    report = {"type": "object", "properties": {
        "date": {"type": "string"}, "attribution": {"type": "string"}, "theme": {"type": "string"},
        "theme_label": {"type": "string"}, "km": {"type": "number"},
        "departement": {"type": "string", "nullable": True},
        "territoire": {"type": "string"}, "summary": {"type": "string"}, "communes_total": {"type": "integer"},
        "population_total": {"type": "integer"}, "communes_hors_portee": {"type": "integer"},
        "population_hors_portee": {"type": "integer"}, "part_population": {"type": "number"},
        "results": {"type": "array", "items": {"type": "object", "additionalProperties": True}}}}
    national = ", ".join(f"{k:g}" for k in NATIONAL_KM)
    return {
        "operationId": "couverture", "tags": ["cartes"],
        "summary": "Communes loin de toute action d'un thème / communes far from any action of a theme",
        "description": ("Communes dont le centre est à plus de `km` km de tout lieu du thème, avec leur population "
                        "et une phrase de synthèse. Rapports préparés à l'avance : 202 « en préparation » tant "
                        f"qu'un rapport n'existe pas encore. Sans département, `km` vaut {national}.\n\n"
                        "Communes farther than `km` km from any lieu of the theme. Reports are computed ahead: "
                        "202 while one is being prepared."),
        "parameters": [
            _query("theme", {"type": "string", "minLength": 1}, "Slug du thème (un parent compte ses sous-thèmes).",
                   required=True),
            _query("departement", {"type": "string"}, "Code du département (35, 2A, 974) ; sans lui, toute la "
                   "France."),
            _query("km", {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 200, "default": 10},
                   f"Distance en km (0 < km ≤ 200, défaut 10 ; sans département : {national})."),
            _query("format", {"type": "string", "enum": list(COUVERTURE_FORMATS), "default": "json"},
                   "json (défaut), csv ou geojson."),
        ],
        "responses": {
            "200": {"description": "Le rapport / the report", "content": {
                "application/json": {"schema": report},
                "text/csv": {"schema": {"type": "string"}},
                "application/geo+json": {"schema": FEATURE_COLLECTION}}},
            "202": _json(PREPARING, "En préparation / being prepared (Retry-After)"),
            **_errors(400, 404, 429, 503),
        },
    }


def export_operation(fmt_in_path: bool) -> dict:
    from maps.exports import FORMATS

    formats = list(FORMATS)
    content = {}
    for _ext, content_type, binary in FORMATS.values():
        media = content_type.split(";")[0]
        if media == "application/geo+json":
            content[media] = {"schema": FEATURE_COLLECTION}
        elif media == "application/json":
            content[media] = {"schema": {"type": "object", "additionalProperties": True}}
        else:
            content[media] = {"schema": {"type": "string", "format": "binary" if binary else None}}
            content[media]["schema"] = {k: v for k, v in content[media]["schema"].items() if v}
    fmt = {"type": "string", "enum": formats}
    parameters = [
        _query("departement", {"type": "string"}, "Code du département : ses actions locales."),
        _query("region", {"type": "string"}, "Code de la région : ses actions locales."),
        _query("all", {"type": "string", "enum": ["1", "true", "oui", "yes"]},
               "Tous les dispositifs publiés, nationaux compris (fichier préparé à l'avance)."),
    ]
    if fmt_in_path:
        parameters.insert(0, {"name": "fmt", "in": "path", "required": True, "schema": fmt,
                              "description": "Format du fichier."})
    else:
        parameters.insert(0, _query("format", fmt, "Format du fichier.", required=True))
    return {
        "operationId": "export_format" if fmt_in_path else "export", "tags": ["cartes"],
        "summary": "Export d'un territoire ou national / export of a territory or of everything",
        "description": ("Un territoire (`departement` ou `region`) ou `all=1`. Attribution, licence et date dans les "
                        "en-têtes X-Attribution, X-Licence, X-Export-Date (et dans le fichier pour GeoJSON, XLSX, "
                        "data·inclusion). L'export national est un fichier préparé à l'avance : 202 avant le "
                        "premier.\n\nOne territory or all=1; the national export is prepared ahead (202 before "
                        "the first one)."),
        "parameters": parameters,
        "responses": {"200": {"description": "Le fichier / the file", "content": content},
                      "202": _json(PREPARING, "En préparation / being prepared (Retry-After)"),
                      **_errors(400, 404, 429, 503)},
    }


def _geojson_variants(paths: dict) -> None:
    for path, paginated in (("/api/v1/dispositifs/", True), ("/api/v1/dispositifs/{id}/", False)):
        ok = paths.get(path, {}).get("get", {}).get("responses", {}).get("200", {})
        if "application/geo+json" in ok.get("content", {}):
            ok["content"]["application/geo+json"] = {"schema": PAGINATED_FEATURES if paginated else FEATURE_COLLECTION}


def _common_answers(paths: dict) -> None:
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            codes = [400, 503] + ([429] if path.startswith(HEAVY_PREFIXES) else [])
            if path.startswith("/api/v1/dispositifs/") and method == "get":
                codes.append(404)  # a page past the last one, an unpublished or unknown id
            for code in codes:
                responses.setdefault(str(code), _errors(code)[str(code)])


def complete_schema(result, generator, request, public):
    """SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] (after drf-spectacular's enum hook)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    paths = result.setdefault("paths", {})
    paths["/api/v1/couverture/"] = {"get": couverture_operation()}
    paths["/api/v1/exports/"] = {"get": export_operation(fmt_in_path=False)}
    paths["/api/v1/exports/{fmt}/"] = {"get": export_operation(fmt_in_path=True)}
    _geojson_variants(paths)
    _common_answers(paths)
    tags = result.setdefault("tags", [])
    if not any(t.get("name") == "cartes" for t in tags):
        tags.append({"name": "cartes", "description": "Couverture (manques) et exports. / Gap reports and exports."})
    result["paths"] = dict(sorted(paths.items()))
    return result
