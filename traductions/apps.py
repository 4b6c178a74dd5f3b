from django.apps import AppConfig


class TraductionsConfig(AppConfig):
    name = "traductions"
    verbose_name = "Traductions du contenu"
    default_auto_field = "django.db.models.BigAutoField"
