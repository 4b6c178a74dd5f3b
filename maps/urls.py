"""Public web pages of the maps app (/cartes/), mounted by annuaire/web_urls.py."""

urlpatterns = []
