"""Public web pages (the web shell). Each app adds its pages here."""

from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="annuaire/home.html"), name="home"),
    path("dispositifs/<int:pk>/", TemplateView.as_view(template_name="annuaire/home.html"),
         name="dispositif-detail"),
    path("cartes/", include("maps.urls")),
]
