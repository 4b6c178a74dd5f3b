"""python manage.py render_maps --out DIR [--departement CODE ...] [--theme SLUG] [--no-tiles] [--no-png]"""

from django.core.management.base import BaseCommand, CommandError

from maps.api.common import BadRequest, check_theme
from maps.render import render_maps


class Command(BaseCommand):
    help = ("Écrit DIR/france-densite.html et .png, et DIR/departement-CODE.html et .png pour chaque "
            "--departement (les pages chargent Leaflet depuis un CDN).")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="dossier de sortie (créé au besoin)")
        parser.add_argument("--departement", action="append", default=[], metavar="CODE",
                            help="code INSEE, répétable (--departement 35 --departement 2A)")
        parser.add_argument("--theme", help="limiter aux actions d'un thème (slug data·inclusion) et ses sous-thèmes")
        parser.add_argument("--no-tiles", action="store_true", help="sans fond de carte (settings.TILES_URL)")
        parser.add_argument("--no-png", action="store_true", help="HTML seulement")

    def handle(self, *args, **opts):
        try:
            theme = check_theme(opts["theme"])
            codes = [c for arg in opts["departement"] for c in arg.replace(",", " ").split()]
            result = render_maps(opts["out"], departements=codes, theme=theme, tiles=not opts["no_tiles"],
                                 png=not opts["no_png"], progress=self.stderr.write)
        except (BadRequest, LookupError) as exc:
            raise CommandError(str(exc)) from exc
        for path in result.files:
            self.stdout.write(f"{path} ({path.stat().st_size / 1024:.0f} ko)")
        return result.summary()
