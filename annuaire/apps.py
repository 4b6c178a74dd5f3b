from django.apps import AppConfig


class AnnuaireConfig(AppConfig):
    name = "annuaire"
    verbose_name = "Annuaire"

    def ready(self):
        from . import checks  # noqa: F401  (registers the session-cookie deploy checks)
