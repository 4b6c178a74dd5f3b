from django.apps import AppConfig


class EspaceConfig(AppConfig):
    name = "espace"
    verbose_name = "espace des contributeurs"
    default_auto_field = "django.db.models.BigAutoField"
