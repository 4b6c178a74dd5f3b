from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "comptes"
    verbose_name = "comptes et modération"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import history

        history.connect()
