from django.core.management.base import BaseCommand

from dispositifs.models import Theme
from dispositifs.themes import load_themes


class Command(BaseCommand):
    help = "Load or refresh the theme vocabulary from fixtures/themes.json (idempotent)."

    def handle(self, *args, **options):
        created, updated = load_themes()
        total = Theme.objects.count()
        self.stdout.write(f"themes: {total} ({Theme.objects.roots().count()} categories) "
                          f"created={created} updated={updated}")
