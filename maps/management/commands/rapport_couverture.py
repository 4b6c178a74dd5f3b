"""python manage.py rapport_couverture --theme SLUG [--departement CODE] [--km N] [--csv FILE]
[--geojson FILE] [--carte FILE.html]

Prints the most populated communes farther than N km from any lieu of the theme, writes them as
CSV / GeoJSON / an HTML map when asked, and ends with the summary line, e.g.
"Ille-et-Vilaine (35) : 81 204 habitants (7,2 %) vivent à plus de 10 km d'un lieu « Maîtriser le
français » (96 communes sur 332)"."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maps.gaps import gap_geojson, gap_report, write_gap_csv


class Command(BaseCommand):
    help = "Communes à plus de N km de tout lieu d'un thème, avec leur population (analyse des manques)."

    def add_arguments(self, parser):
        parser.add_argument("--theme", required=True,
                            help="slug du thème, ex. lecture-ecriture-calcul--maitriser-le-francais")
        parser.add_argument("--departement", help="code INSEE du département (sans : toute la France)")
        parser.add_argument("--km", type=float, default=10.0, help="distance en km (10 par défaut)")
        parser.add_argument("--csv", help="écrire la liste des communes en CSV")
        parser.add_argument("--geojson", help="écrire la couche des communes en GeoJSON")
        parser.add_argument("--carte", help="écrire une carte HTML (folium)")
        parser.add_argument("--no-tiles", action="store_true", help="carte sans fond de carte")
        parser.add_argument("--top", type=int, default=15, help="communes affichées (les plus peuplées)")

    def handle(self, *args, **opts):
        if not 0 < opts["km"] <= 200:
            raise CommandError("--km doit être compris entre 0 et 200.")
        try:
            report = gap_report(theme=opts["theme"], km=opts["km"], departement=opts["departement"])
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        for c in report.communes[: opts["top"]]:
            distance = "aucun lieu" if c.nearest_km is None else f"{c.nearest_km:g} km"
            self.stdout.write(f"{c.code}  {c.nom:<32} {c.population:>9}  lieu le plus proche : {distance}")
        if opts["csv"]:
            with open(opts["csv"], "w", encoding="utf-8", newline="") as stream:
                write_gap_csv(stream, report)
            self.stderr.write(f"CSV : {opts['csv']}")
        if opts["geojson"]:
            import json

            Path(opts["geojson"]).write_text(json.dumps(gap_geojson(report), ensure_ascii=False), encoding="utf-8")
            self.stderr.write(f"GeoJSON : {opts['geojson']}")
        if opts["carte"]:
            from maps.render import source_line
            from maps.render_html import gap_html

            Path(opts["carte"]).write_text(gap_html(report, tiles=not opts["no_tiles"], source=source_line()),
                                           encoding="utf-8")
            self.stderr.write(f"carte : {opts['carte']}")
        return report.summary()
