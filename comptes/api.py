"""Write API for producers who sync by program: POST /api/v1/dispositifs/, PUT/PATCH/DELETE
/api/v1/dispositifs/{id}/ with a token (`Authorization: Token <key>`, one per account).

The body is the JSON the read API returns (themes as slugs, `couverture` and `lieux` as read);
keys it cannot set are ignored. Thin: permissions and moderation are `comptes.moderation.write`,
checks are `dispositifs.validation` (through `dispositifs.services`). It lives with the accounts, not
in dispositifs, because who may write is theirs to say (dependencies flow one way)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from dispositifs.api.serializers import DispositifDetailSerializer, ErrorSerializer
from dispositifs.api.views import DispositifDetailView, DispositifListView
from dispositifs.models import Dispositif

from . import moderation

TAG = ["dispositifs"]
WRITE_DOC = (
    "Corps : le JSON que renvoie la lecture (`titre`, `themes` en slugs, `couverture` {national, regions, "
    "departements, communes, epci (SIREN : toutes ses communes)}, "
    "`lieux` [{id?, nom, adresse, code_postal, commune, lat?, lon?, horaires?}]…) ; "
    "les clés non modifiables sont ignorées. Un membre de structure écrit pour sa structure et ses "
    "modifications attendent la modération (202). / Body: the JSON the read API returns; keys that cannot "
    "be set are ignored. A structure member's writes wait for moderation (202).")
EXAMPLE = OpenApiExample("Création", request_only=True, value={
    "titre": "Cours de français pour adultes", "themes": ["lecture-ecriture-calcul--maitriser-le-francais"],
    "structure": {"id": 1}, "publics": ["bpi"], "telephone": "03 80 12 34 56",
    "couverture": {"national": False, "departements": ["21"]},
    "lieux": [{"nom": "Maison des associations", "adresse": "2 rue des Corroyeurs", "code_postal": "21000",
               "commune": "21231"}]})


class DispositifWriteSerializer(serializers.Serializer):
    """What a write accepts (for the schema; parsing is `dispositifs.services.parse_payload`)."""

    titre = serializers.CharField()
    resume = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    structure = serializers.DictField(required=False, allow_null=True, help_text="{id}")
    themes = serializers.ListField(child=serializers.CharField(), help_text="slugs")
    publics = serializers.ListField(child=serializers.CharField(), required=False)
    langues = serializers.ListField(child=serializers.CharField(), required=False)
    age_min = serializers.IntegerField(required=False, allow_null=True)
    age_max = serializers.IntegerField(required=False, allow_null=True)
    niveau_francais = serializers.CharField(required=False)
    gratuit = serializers.BooleanField(required=False, allow_null=True)
    tarif = serializers.CharField(required=False)
    modalite = serializers.CharField(required=False)
    inscription = serializers.CharField(required=False)
    telephone = serializers.CharField(required=False)
    courriel = serializers.CharField(required=False)
    site_web = serializers.CharField(required=False)
    date_debut = serializers.DateField(required=False, allow_null=True)
    date_fin = serializers.DateField(required=False, allow_null=True)
    couverture = serializers.DictField(required=False)
    lieux = serializers.ListField(child=serializers.DictField(), required=False)


class WriteErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    erreurs = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class PendingSerializer(serializers.Serializer):
    detail = serializers.CharField()
    id = serializers.IntegerField()


ERRORS = {400: OpenApiResponse(WriteErrorSerializer, description="Données invalides / invalid data."),
          401: OpenApiResponse(ErrorSerializer, description="Jeton absent ou invalide / missing or bad token."),
          403: OpenApiResponse(ErrorSerializer, description="Hors de votre territoire / outside your territory.")}


class WriteMixin:
    authentication_classes = [TokenAuthentication, SessionAuthentication]  # Token first: anonymous gets 401
    permission_classes = [IsAuthenticatedOrReadOnly]

    def _write(self, data, *, current=None, full=True, created=False):
        try:
            outcome = moderation.write(self.request.user, data, current=current, full=full, via="api")
        except DjangoPermissionDenied as e:
            raise PermissionDenied(str(e)) from None
        except ValidationError as e:
            errors = e.message_dict if hasattr(e, "error_dict") else {"detail": e.messages}
            return Response({"detail": "Données invalides : " + " ; ".join(
                f"{k} : {' '.join(v)}" for k, v in errors.items()), "erreurs": errors}, status=400)
        if outcome.proposition is not None:
            return Response({"detail": "Modification enregistrée : elle attend la modération d'un opérateur "
                                       "du territoire.", "id": outcome.dispositif.pk}, status=202)
        d = (Dispositif.objects.select_related("structure")
             .prefetch_related("themes", "regions", "departements", "communes", "lieux__commune")
             .get(pk=outcome.dispositif.pk))
        body = DispositifDetailSerializer(d, context={"request": self.request}).data
        body["statut"] = d.status
        return Response(body, status=201 if created else (202 if outcome.pending else 200))


@extend_schema_view(post=extend_schema(
    operation_id="dispositif_creer", summary="Créer un dispositif / create a dispositif", description=WRITE_DOC,
    request=DispositifWriteSerializer, examples=[EXAMPLE], tags=TAG,
    responses={201: DispositifDetailSerializer, **ERRORS}))
class DispositifCollectionView(WriteMixin, DispositifListView):
    def post(self, request):
        return self._write(request.data, created=True)


@extend_schema_view(
    put=extend_schema(operation_id="dispositif_remplacer", summary="Remplacer un dispositif / replace",
                      description=WRITE_DOC, request=DispositifWriteSerializer, tags=TAG,
                      responses={200: DispositifDetailSerializer, 202: PendingSerializer, **ERRORS}),
    patch=extend_schema(operation_id="dispositif_modifier", summary="Modifier des champs / partial update",
                        description=WRITE_DOC + " Seules les clés données changent. / Only the given keys change.",
                        request=DispositifWriteSerializer(partial=True), tags=TAG,
                        responses={200: DispositifDetailSerializer, 202: PendingSerializer, **ERRORS}),
    delete=extend_schema(operation_id="dispositif_archiver", summary="Retirer (archiver) / remove (archive)",
                         description="Le dispositif est archivé (hors du catalogue public), son historique est "
                                     "gardé. / The dispositif is archived, its history kept.",
                         tags=TAG, responses={204: None, **ERRORS}),
)
class DispositifItemView(WriteMixin, DispositifDetailView):
    def _current(self, pk) -> Dispositif:
        return get_object_or_404(Dispositif, pk=pk)

    def put(self, request, pk):
        return self._write(request.data, current=self._current(pk), full=True)

    def patch(self, request, pk):
        return self._write(request.data, current=self._current(pk), full=False)

    def delete(self, request, pk):
        try:
            moderation.archive(request.user, self._current(pk), via="api")
        except DjangoPermissionDenied as e:
            raise PermissionDenied(str(e)) from None
        return Response(status=204)
