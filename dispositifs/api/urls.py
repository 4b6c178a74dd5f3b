"""API v1 routes of this app (mounted under /api/v1/ by annuaire/urls.py)."""

urlpatterns = []
