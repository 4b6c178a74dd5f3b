"""Error pages: JSON under /api/ (a script or an app reads `detail`), the site's pages elsewhere."""

from django.http import JsonResponse
from django.views import defaults


def _json(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return _json(f"Aucune ressource à l'adresse {request.path} : voir la documentation de l'API sur /api/docs/.",
                     404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return _json("Erreur interne du serveur : réessayez plus tard ; si elle persiste, signalez-la avec "
                     "l'adresse appelée.", 500)
    return defaults.server_error(request)
