from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DispositifsConfig(AppConfig):
    name = "dispositifs"
    verbose_name = "Dispositifs"

    def ready(self):
        post_migrate.connect(_apply_side_tables, sender=self, dispatch_uid="dispositifs-side-tables")


def _apply_side_tables(using="default", **_kwargs):
    """The search's trigger SQL follows the filter declaration on every migrate (docs/ARCHITECTURE.md)."""
    from .side_tables import apply

    apply(using=using)
