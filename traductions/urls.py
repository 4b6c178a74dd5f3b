from django.urls import path

from . import views

app_name = "traductions"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/<str:langue>/", views.edit, name="edit"),
]
