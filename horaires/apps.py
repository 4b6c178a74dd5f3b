from django.apps import AppConfig


class HorairesConfig(AppConfig):
    name = "horaires"
    verbose_name = "Horaires et fermetures"
    default_auto_field = "django.db.models.BigAutoField"
