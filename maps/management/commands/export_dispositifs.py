"""python manage.py export_dispositifs (--departement CODE | --region CODE | --all)
--format geojson|csv|xlsx|datainclusion --out FILE"""

import time

from django.core.management.base import BaseCommand, CommandError

from maps.exports import FORMATS, STREAMED, ScopeError, export, make_scope, metadata


class Command(BaseCommand):
    help = "Exporte les dispositifs publiés d'un département, d'une région ou de toute la France."

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--departement", help="code INSEE du département (35, 2A, 974…)")
        where.add_argument("--region", help="code INSEE de la région (53, 11…)")
        where.add_argument("--all", action="store_true", help="toute la France, actions nationales comprises")
        parser.add_argument("--format", required=True, choices=list(FORMATS))
        parser.add_argument("--out", required=True, help="fichier à écrire")

    def handle(self, *args, **opts):
        try:
            scope = make_scope(departement=opts["departement"], region=opts["region"], all=opts["all"])
        except ScopeError as exc:
            raise CommandError(str(exc)) from exc
        start = time.perf_counter()
        fmt = opts["format"]
        progress = None
        if self.stderr.isatty():
            def progress(n):
                self.stderr.write(f"\r{n} enregistrements ({time.perf_counter() - start:.0f} s)", ending="")
        if FORMATS[fmt][2] or fmt in STREAMED:  # XLSX, and the bytes PostgreSQL's COPY writes
            with open(opts["out"], "wb") as stream:
                n = export(scope, fmt, stream, progress=progress)
        else:
            with open(opts["out"], "w", encoding="utf-8", newline="") as stream:
                n = export(scope, fmt, stream, progress=progress)
        if progress:
            self.stderr.write("")
        if fmt == "csv":
            self.stderr.write(f"attribution : {metadata(scope)['attribution']}")
        return f"{opts['out']}: {n} enregistrements ({scope.label}, {fmt}) en {time.perf_counter() - start:.1f} s"
