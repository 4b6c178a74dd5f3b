"""What /api/schema/ says beyond what drf-spectacular reads from the DRF views (a postprocessing hook).

- The couverture and export endpoints are plain Django views (DRF reserves `format`, and they serve
  stored files): drf-spectacular cannot see them, so their operations are written here, next to nothing
  else, from the same constants the views use (formats, distances).
- `?format=geojson` answers a FeatureCollection, not the JSON serializer's shape.
- Answers any endpoint may give, whatever its view: 400 (query string too long, annuaire.middleware),
  503 (database down or hung, annuaire.errors), 429 on the heavy endpoints (annuaire.limits).
- Reference vocabularies as enums (themes, départements, régions), blank values read as absent.
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


DEPARTEMENT_CODE = {"type": "string", "pattern": r"^(\d{2,3}|2[AB])$"}
REGION_CODE = {"type": "string", "pattern": r"^\d{2}$"}


def _media(content_type: str) -> str:
    return content_type.split(";")[0].strip()


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
            # Two parameters that depend on each other: one exploded object (?departement=35&km=7).
            {**_query("portee", {
                "type": "object", "additionalProperties": False,
                "properties": {"departement": DEPARTEMENT_CODE,
                               "km": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 200}},
                "anyOf": [{"required": ["departement"]},
                          {"not": {"required": ["departement"]},
                           "properties": {"km": {"type": "number", "enum": list(NATIONAL_KM)}}}]},
                f"`departement` (35, 2A, 974 ; sans lui, toute la France) et `km` (0 < km ≤ 200, défaut 10 ; "
                f"sans département : {national})."), "style": "form", "explode": True},
            _query("format", {"type": "string", "enum": list(COUVERTURE_FORMATS), "default": "json"},
                   "json (défaut), csv ou geojson."),
        ],
        "responses": {
            "200": {"description": "Le rapport / the report", "content": {
                _media(COUVERTURE_FORMATS["json"]): {"schema": report},
                _media(COUVERTURE_FORMATS["csv"]): {"schema": {"type": "string"}},
                _media(COUVERTURE_FORMATS["geojson"]): {"schema": FEATURE_COLLECTION}}},
            "202": _json(PREPARING, "En préparation / being prepared (Retry-After)"),
            **_errors(400, 404, 429, 503),
        },
    }


def export_operation(fmt_in_path: bool) -> dict:
    from maps.exports import FORMATS

    formats = list(FORMATS)
    content = {}
    for _ext, content_type, binary in FORMATS.values():
        media = _media(content_type)
        if media == "application/geo+json":
            content[media] = {"schema": FEATURE_COLLECTION}
        elif media == "application/json":
            content[media] = {"schema": {"type": "object", "additionalProperties": True}}
        else:
            content[media] = {"schema": {"type": "string", "format": "binary" if binary else None}}
            content[media]["schema"] = {k: v for k, v in content[media]["schema"].items() if v}
    fmt = {"type": "string", "enum": formats}
    # Exactly one territory: one exploded object parameter (?departement=35, ?region=53 or ?all=1).
    territoire = {"type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
                  "properties": {"departement": DEPARTEMENT_CODE, "region": REGION_CODE,
                                 "all": {"type": "string", "enum": ["1", "true", "oui", "yes"]}}}
    parameters = [{**_query("territoire", territoire, "Exactement un parmi `departement` (ses actions locales), "
                            "`region` (idem) et `all=1` (tous les dispositifs publiés, nationaux compris ; fichier "
                            "préparé à l'avance).", required=True), "style": "form", "explode": True}]
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
            if "{" in path or path in ("/api/v1/dispositifs/", "/api/v1/recherche/"):
                codes.append(404)  # an unknown id or code; a catalogue page past the last one; a place naming nothing
            # DRF renders an error in the type negotiated for the answer (JSON, or GeoJSON's media type).
            media = {m for r in responses.values() for m in r.get("content", {}) if m.endswith("json")}
            for code in codes:
                answer = responses.setdefault(str(code), _errors(code)[str(code)])
                for m in media - set(answer.get("content", {})):
                    answer.setdefault("content", {})[m] = {"schema": ERROR}


def _reference_values() -> dict[str, list[str]]:
    """Theme slugs and territory codes: reference data (fixtures/), the same on every deployment."""
    from dispositifs.models import Theme
    from territoires.models import Departement, Region

    return {"theme": sorted(Theme.objects.values_list("slug", flat=True)),
            "departement": sorted(Departement.objects.values_list("code", flat=True)),
            "region": sorted(Region.objects.values_list("code", flat=True))}


def _vocabularies(paths: dict) -> None:
    """`theme`, `departement` and `region` take values of the reference data; an unknown one is a 400 or a
    404, so the schema lists them (also inside the exploded objects of couverture and exports)."""
    try:
        values = _reference_values()
    except Exception:  # noqa: BLE001 (no database while generating offline: the schema stays without them)
        return
    for item in paths.values():
        for operation in item.values():
            for param in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if param.get("in") != "query":
                    continue
                schema = param["schema"]
                targets = {param["name"]: schema} if schema.get("type") != "object" else schema["properties"]
                for name, target in targets.items():
                    target = target["items"] if target.get("type") == "array" else target
                    if values.get(name):
                        for key in ("minLength", "pattern"):
                            target.pop(key, None)
                        target["enum"] = values[name]


def _blank_is_absent(paths: dict) -> None:
    """The query parameters read a blank value as an absent one (web forms send `age=`; filters.py,
    densite's `theme`): OpenAPI 3.0 says so with `allowEmptyValue`. Not `format`: a blank one is a 400."""
    for item in paths.values():
        for operation in item.values():
            for param in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if (param.get("in") == "query" and not param.get("required") and param.get("name") != "format"
                        and param.get("schema", {}).get("type") != "object"):
                    param["allowEmptyValue"] = True


PLACE_PARAMETERS = (("lat", "lon"), ("commune",), ("code_postal",), ("adresse",))


def _one_place(paths: dict) -> None:
    """The search takes exactly one place: `lat` and `lon` together, or `commune`, or `code_postal`, or
    `adresse` (two places is a 400, not a guess). Separate optional parameters would say any mix is valid,
    so they become one exploded object parameter whose schema is one of the four shapes."""
    operation = paths.get("/api/v1/recherche/", {}).get("get")
    if not operation:
        return
    params = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"}
    if not all(name in params for group in PLACE_PARAMETERS for name in group):
        return
    # Well-formed values (a place that names nothing is a 404); the parser reads them as text.
    formats = {"lat": {"type": "number", "minimum": -90, "maximum": 90},
               "lon": {"type": "number", "minimum": -180, "maximum": 180},
               "code_postal": {"type": "string", "pattern": "^[0-9]{5}$"}}
    shapes = [{"type": "object", "additionalProperties": False, "required": list(group),
               "properties": {name: formats.get(name, params[name]["schema"]) for name in group}}
              for group in PLACE_PARAMETERS]
    described = "; ".join(f"`{name}` : {params[name].get('description', '')}"
                          for group in PLACE_PARAMETERS for name in group)
    rayon = params.get("rayon_km")
    if rayon and "minimum" in rayon["schema"]:  # a radius of 0 km finds nothing: the parser refuses it
        rayon["schema"]["exclusiveMinimum"] = True
    lieu = {**_query("lieu", {"type": "object", "oneOf": shapes},
                     f"Un seul lieu : `lat` et `lon` ensemble, ou `commune`, ou `code_postal`, ou `adresse`. "
                     f"/ Exactly one place. {described}", required=True),
            "style": "form", "explode": True}
    operation["parameters"] = [lieu] + [p for p in operation["parameters"]
                                        if p.get("in") != "query" or p["name"] not in
                                        {n for group in PLACE_PARAMETERS for n in group}]


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
    _vocabularies(paths)
    _blank_is_absent(paths)
    _one_place(paths)
    tags = result.setdefault("tags", [])
    if not any(t.get("name") == "cartes" for t in tags):
        tags.append({"name": "cartes", "description": "Couverture (manques) et exports. / Gap reports and exports."})
    result["paths"] = dict(sorted(paths.items()))
    return result
