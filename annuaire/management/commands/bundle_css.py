from django.core.management.base import BaseCommand

from annuaire.web.bundle import build


class Command(BaseCommand):
    help = "Write annuaire/static/annuaire/site.css: the DSFR parts and the site's CSS in one file."

    def handle(self, *args, **options):
        path, size = build()
        return f"{path.relative_to(path.parents[3])}: {size} bytes"
