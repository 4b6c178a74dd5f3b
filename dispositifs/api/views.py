"""API v1 of the dispositifs: the near-me search and the catalogue. Thin: parse, call
`dispositifs.recherche` / the QuerySet methods, shape the answer."""

import functools
import json

from django.http import HttpResponse
from django.urls import get_script_prefix, reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from dispositifs import apres
from dispositifs.filters import CatalogueParams, RechercheParams, filters_from, parse_filters
from dispositifs.localisation import AmbiguousPlace, PlaceUnknown
from dispositifs.models import Dispositif
from dispositifs.recherche import (
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    InvalidSearch,
    SearchTimeout,
    resolve_place_from_params,
)
from territoires.models import Departement, Region

from . import langue
from .serializers import (
    DispositifDetailSerializer,
    DispositifSerializer,
    ErrorSerializer,
    RechercheSerializer,
    feature_collection,
)

ERRORS = {400: OpenApiResponse(ErrorSerializer, description="Paramètre invalide ou lieu introuvable / "
                                                            "invalid parameter or unknown place."),
          503: OpenApiResponse(ErrorSerializer, description="Recherche trop longue / search timed out.")}


FORMAT = OpenApiParameter("format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["json", "geojson"],
                          description="json (défaut) ou geojson : une FeatureCollection des lieux. / "
                                      "json (default) or geojson: a FeatureCollection of the lieux.")


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


def search_error(exc) -> tuple[dict, int] | None:
    """The answer to a search that cannot run, as (body, status): InvalidSearch (and PlaceNotFound) -> 400
    {"detail", "parametre"}, a place that names nothing (PlaceUnknown) -> 404 with the same body; SearchTimeout
    -> 503. None for any other error."""
    if isinstance(exc, InvalidSearch):
        body = {"detail": exc.detail}
        if exc.param:
            body["parametre"] = exc.param
        if isinstance(exc, AmbiguousPlace):  # never guessed: the caller picks one (issue #14)
            body["candidats"] = exc.candidats_data()
        # A place naming nothing is not found (404), with close spellings as `candidats` when there are
        # some; homonyms and malformed places are the caller's choice to make (400).
        not_found = isinstance(exc, PlaceUnknown) or (isinstance(exc, AmbiguousPlace) and not exc.homonyms)
        return body, 404 if not_found else 400
    if isinstance(exc, SearchTimeout):
        return {"detail": str(exc)}, 503
    return None


class SearchErrorsMixin:
    def handle_exception(self, exc):
        error = search_error(exc)
        if error is not None:
            return Response(error[0], status=error[1])
        return super().handle_exception(exc)


@functools.lru_cache(maxsize=16)
def _detail_prefix(script_prefix: str) -> str:
    """The fiche URL less its id, by script prefix (reversing it on every search cost as much as parsing)."""
    return reverse("dispositif-detail", args=[0])[: -len("0/")]


class RechercheView(SearchErrorsMixin, APIView):
    renderer_classes = [JSONRenderer]
    # A public read whose answer depends on no user: no session or credentials to read for it.
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="recherche",
        summary="Ce qui est disponible près d'un lieu / what is available near a place",
        description=(
            "Un lieu parmi lat+lon, commune, code_postal, adresse ; chaque résultat a sa raison la plus fine "
            "(`portee`) : proximite (un lieu dans le rayon, par distance), puis commune, departement, region "
            "(couverture, lieu le plus proche puis titre), puis national (par titre). Un dispositif apparaît "
            "une fois. `facettes.themes` compte les résultats par thème.\n\n"
            "One place among lat+lon, commune, code_postal, adresse; each result carries its finest reason "
            "(`portee`): proximity (a lieu within the radius, by distance), then coverage of the commune, "
            "département, région (nearest lieu, then title), then national (by title). A dispositif appears "
            "once. `facettes.themes` counts results per theme."),
        parameters=[RechercheParams, langue.LangueParams],   # dispositifs/filters.py: parsing and description
        responses={200: RechercheSerializer, **ERRORS},
        tags=["recherche"],
    )
    def get(self, request):
        return answer(request)


def answer(request) -> HttpResponse:
    """Parse (one serializer), place, one search statement that writes the results as JSON (handed on as it
    is: docs/ARCHITECTURE.md, "The search path"), links."""
    values = RechercheParams.parse(request.GET)
    lang = langue.requested(request)
    place = resolve_place_from_params(values, deferred=True)   # an INSEE code: read by the statement
    page, size = values["page"], values["page_size"]
    found = apres.run_search(place, filters_from(values), offset=(page - 1) * size, limit=size,
                             url=request.build_absolute_uri(_detail_prefix(get_script_prefix())))
    url = request.build_absolute_uri()
    head = json.dumps({
        "lieu": place.as_dict(),
        "count": found.count,
        "next": replace_query_param(url, "page", page + 1) if page * size < found.count else None,
        "previous": replace_query_param(url, "page", page - 1) if page > 1 else None,
    }, ensure_ascii=False)
    results = found.results if lang == "fr" else json.dumps(
        langue.localise(json.loads(found.results), lang, langue.SEARCH_FIELDS), ensure_ascii=False)
    body = (f'{head[:-1]}, "facettes": {{"themes": {found.themes}}}, "langue": {json.dumps(lang)}, '
            f'"results": {results}}}')
    return langue.headers(HttpResponse(body, content_type="application/json"), request, lang)


def recherche_view():
    """GET /api/v1/recherche/, the hot path: a plain GET is answered by `answer` at once, its errors by
    `search_error`; DRF's request machinery (negotiation, authentication, permissions, none of which this
    public JSON read needs) cost 0.2 ms of a 4 ms search on the bench, where Python that runs after a
    blocking wait for the database runs about twice as slow (docs/ARCHITECTURE.md, "The search path"). Any other request
    (HEAD, OPTIONS, `?format=`) and the OpenAPI description are RechercheView's: drf-spectacular and
    annuaire.middleware read the view class from `cls`, as on any DRF view."""
    drf = RechercheView.as_view()
    probe = RechercheView()
    probe.setup(None)   # as each request's view is set up: HEAD is answered as GET
    allow = ", ".join(probe.allowed_methods)   # what DRF says on each of its answers

    def view(request, *args, **kwargs):
        if request.method != "GET" or "format" in request.GET:
            return drf(request, *args, **kwargs)
        try:
            response = answer(request)
        except (InvalidSearch, SearchTimeout) as exc:
            body, status = search_error(exc)
            response = HttpResponse(JSONRenderer().render(body), status=status, content_type="application/json")
        response["Allow"] = allow
        return response

    view.cls, view.initkwargs = drf.cls, drf.initkwargs
    return csrf_exempt(view)


class CataloguePagination(PageNumberPagination):
    """`page` and `page_size` are validated with the filters (CatalogueParams: 400 outside 1.., 1..100, as
    the schema says); a page past the last one is a 404, in French whatever the visitor's language."""

    page_size = PAGE_SIZE_DEFAULT
    page_size_query_param = "page_size"
    max_page_size = PAGE_SIZE_MAX
    invalid_page_message = "Page {page_number} inexistante : `count` donne le nombre de résultats."

    def get_paginated_response(self, data):
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            members = {"count": self.page.paginator.count, "next": self.get_next_link(),
                       "previous": self.get_previous_link()}
            return Response({"type": "FeatureCollection", **members, "features": data["features"]})
        return super().get_paginated_response(data)


class GeoJSONMixin:
    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    def wants_geojson(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", None) == "geojson"


@extend_schema_view(get=extend_schema(
    operation_id="dispositifs_liste",
    summary="Catalogue des dispositifs publiés / catalogue of published dispositifs",
    description="Filtres de la recherche, plus département, région, structure ; ?format=geojson donne une "
                "FeatureCollection des lieux de la page. / The search filters plus département, région, "
                "structure; ?format=geojson gives a FeatureCollection of the page's lieux.",
    parameters=[CatalogueParams, FORMAT, langue.LangueParams],
    responses={200: DispositifSerializer(many=True), **ERRORS},
    tags=["dispositifs"],
))
class DispositifListView(SearchErrorsMixin, GeoJSONMixin, ListAPIView):
    serializer_class = DispositifSerializer
    pagination_class = CataloguePagination

    def get_queryset(self):
        params = self.request.query_params
        filters = parse_filters(params, catalogue=True)
        qs = Dispositif.objects.published().current().matching(filters)
        if filters.departement:
            if not Departement.objects.filter(code=filters.departement).exists():
                raise InvalidSearch(f"Département inconnu : {filters.departement}.", param="departement")
            qs = qs.in_departement(filters.departement)
        if filters.region:
            if not Region.objects.filter(code=filters.region).exists():
                raise InvalidSearch(f"Région inconnue : {filters.region}.", param="region")
            qs = qs.in_region(filters.region)
        if filters.structure:
            qs = qs.filter(structure_id=filters.structure)
        if filters.national is not None:
            qs = qs.filter(national=filters.national)
        qs = qs.select_related("structure").prefetch_related("themes").order_by("title", "pk")
        if self.wants_geojson():
            qs = qs.prefetch_related("lieux__commune")
        return qs

    def list(self, request, *args, **kwargs):
        if not self.wants_geojson():
            lang = langue.requested(request)
            response = super().list(request, *args, **kwargs)
            langue.localise(response.data["results"], lang, langue.SEARCH_FIELDS)
            return langue.headers(response, request, lang)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(feature_collection(page, request))


@extend_schema_view(get=extend_schema(
    operation_id="dispositif_detail",
    summary="Un dispositif / one dispositif",
    description="Fiche complète ; ?format=geojson donne une FeatureCollection de ses lieux. / Full record; "
                "?format=geojson gives a FeatureCollection of its lieux.",
    parameters=[FORMAT, langue.LangueParams],
    responses={200: DispositifDetailSerializer, 404: ErrorSerializer},
    tags=["dispositifs"],
))
class DispositifDetailView(SearchErrorsMixin, GeoJSONMixin, RetrieveAPIView):
    serializer_class = DispositifDetailSerializer
    queryset = (Dispositif.objects.published().select_related("structure")
                .prefetch_related("themes", "regions", "departements", "communes", "lieux__commune"))

    def retrieve(self, request, *args, **kwargs):
        dispositif = self.get_object()
        if self.wants_geojson():
            return Response(feature_collection([dispositif], request))
        lang = langue.requested(request)
        data = langue.localise([self.get_serializer(dispositif).data], lang, langue.DETAIL_FIELDS)[0]
        return langue.headers(Response(data), request, lang)
