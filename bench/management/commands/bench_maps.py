"""python manage.py bench_maps [--dispositifs N] [--lieux N] [--runs N] [--out DIR]

Times the maps on the benchmark dataset (100,000 dispositifs, 200,000 lieux by default, generated
by bench.data into its own database `annuaire_bench_maps`, so other benchmarks running
at the same time cannot change the data under it): the density SQL alone and through HTTP,
render_maps for France and for the densest département (HTML and PNG), an export and a gap report.
Targets (issues 7 and 13): France choropleth <= 1 s and < 1.5 MB; a 10,000-lieux département < 3 s;
each printed beside its figure with OK or NON (bench.report)."""

import os
import statistics
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection

from bench.data import generate
from bench.db import ensure_bench_database
from bench.report import Measure

FRANCE_TARGET_S, FRANCE_TARGET_BYTES, DEPARTEMENT_TARGET_S = 1.0, 1_500_000, 3.0
BENCH_DB = "annuaire_bench_maps"


def _timed(fn, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def _p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _line(label: str, times: list[float], extra: str = "") -> str:
    return (f"{label:<44} p50 {statistics.median(times) * 1000:8.1f} ms  p95 {_p(times, 0.95) * 1000:8.1f} ms  "
            f"({len(times)} runs){'  ' + extra if extra else ''}")


class Command(BaseCommand):
    help = "Benchmark des cartes (densité, render_maps France et département, export, manques)."

    def add_arguments(self, parser):
        parser.add_argument("--dispositifs", type=int, default=100_000)
        parser.add_argument("--lieux", type=int, default=200_000)
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--out", help="dossier des cartes produites (temporaire par défaut)")
        parser.add_argument("--regenerate", action="store_true", help="régénérer les données même si elles existent")
        parser.add_argument("--wait-quiet", type=int, default=180, metavar="S",
                            help="attendre jusqu'à S secondes une charge < 1,5 par cœur avant de mesurer (180)")

    def handle(self, *args, **opts):
        from dispositifs.models import Dispositif, Lieu

        ensure_bench_database(name=BENCH_DB, stdout=self.stdout)
        n_d, n_l, runs = opts["dispositifs"], opts["lieux"], opts["runs"]
        if opts["regenerate"] or Dispositif.objects.count() != n_d or Lieu.objects.count() != n_l:
            self.stdout.write(f"génération de {n_d} dispositifs / {n_l} lieux…")
            generate(n_d, n_l, seed=42, stdout=self.stdout)
        self.stdout.write(f"données : {Dispositif.objects.count()} dispositifs, {Lieu.objects.count()} lieux "
                          f"(base {connection.settings_dict['NAME']})")
        out = Path(opts["out"] or tempfile.mkdtemp(prefix="bench-maps-"))
        out.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + opts["wait_quiet"]
        while os.getloadavg()[0] > 1.5 * (os.cpu_count() or 1) and time.monotonic() < deadline:
            time.sleep(5)  # other benchmarks share the 2 cores: measure when they leave some room
        load = os.getloadavg()
        lines = self._run(out, runs)
        lines.insert(0, f"charge de la machine au départ : {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
                        f"({os.cpu_count()} cœurs) ; à la fin : {os.getloadavg()[0]:.1f}")
        for line in lines[:-1]:
            self.stdout.write(line)
        return lines[-1]  # the summary line, printed once by BaseCommand

    def _run(self, out: Path, runs: int) -> list[str]:
        from django.test import Client

        from maps.exports import export, make_scope
        from maps.gaps import gap_report
        from maps.render import RenderResult, render_departement, render_france
        from maps.stats import densite_communes, densite_departements

        lines = []
        client = Client()
        _timed(densite_departements, 1)  # warm the caches once, as a running server would be
        sql_times, rows = _timed(densite_departements, runs)
        lines.append(_line("densité départements (SQL)", sql_times, f"{sum(r.actions for r in rows)} présences"))
        http_times, response = _timed(lambda: client.get("/api/v1/densite/departements/"), runs)
        assert response.status_code == 200, response.content[:200]
        ratio = statistics.median(http_times) / statistics.median(sql_times)
        lines.append(_line("GET /api/v1/densite/departements/ (HTTP)", http_times, f"HTTP/SQL x{ratio:.2f}"))

        def france_html():
            result = RenderResult()
            render_france(out, png=False, result=result)
            return result

        fr_times, _ = _timed(france_html, runs)
        fr_size = (out / "france-densite.html").stat().st_size
        lines.append(_line("render_maps France HTML", fr_times, f"{fr_size / 1e6:.2f} Mo"))
        verdicts = [Measure("carte France HTML (médiane)", statistics.median(fr_times), "s", FRANCE_TARGET_S,
                            higher_is_better=False, digits=2),
                    Measure("carte France HTML (taille)", fr_size / 1e6, "Mo", FRANCE_TARGET_BYTES / 1e6,
                            higher_is_better=False, digits=2)]
        png_times, _ = _timed(lambda: render_france(out, result=RenderResult()), max(1, runs // 2))
        lines.append(_line("render_maps France HTML + PNG", png_times,
                           f"PNG {(out / 'france-densite.png').stat().st_size / 1e3:.0f} ko"))

        with connection.cursor() as cursor:
            cursor.execute("""
                SELECT c.departement_id, count(*) FROM dispositifs_lieu l
                  JOIN territoires_commune c ON c.code = l.commune_id
                  JOIN dispositifs_dispositif d ON d.id = l.dispositif_id AND d.status = 'publie' AND NOT d.national
                 GROUP BY 1 ORDER BY 2 DESC LIMIT 1""")
            code, n_lieux = cursor.fetchone()
        dep_sql, _ = _timed(lambda: densite_communes(code), runs)
        lines.append(_line(f"densité communes {code} (SQL)", dep_sql))

        def dep_html():
            result = RenderResult()
            render_departement(out, code, png=False, result=result)
            return result

        dep_times, _ = _timed(dep_html, runs)
        dep_size = (out / f"departement-{code}.html").stat().st_size
        lines.append(_line(f"render_maps département {code} HTML", dep_times,
                           f"{n_lieux} lieux, {dep_size / 1e6:.2f} Mo"))
        verdicts.append(Measure(f"carte département {code} HTML, {n_lieux} lieux (médiane)",
                                statistics.median(dep_times), "s", DEPARTEMENT_TARGET_S, higher_is_better=False,
                                digits=2))
        dep_png, _ = _timed(lambda: render_departement(out, code, result=RenderResult()), max(1, runs // 2))
        lines.append(_line(f"render_maps département {code} HTML + PNG", dep_png))

        def export_csv():
            with open(out / f"export-{code}.csv", "wb") as stream:  # the national exports: bench_export
                return export(make_scope(departement=code), "csv", stream)

        exp_times, n_rows = _timed(export_csv, 1)
        lines.append(_line(f"export CSV département {code}", exp_times,
                           f"{n_rows} lignes, {n_rows / exp_times[0]:,.0f} lignes/s"))

        gap_times, report = _timed(lambda: gap_report(theme="lecture-ecriture-calcul", km=10, departement=code), runs)
        lines.append(_line(f"rapport_couverture {code} (10 km)", gap_times, report.summary()))
        lines += [m.line() for m in verdicts]
        lines.append(f"cartes dans {out} ; France {statistics.median(fr_times):.2f} s / {fr_size / 1e6:.2f} Mo, "
                     f"{code} ({n_lieux} lieux) {statistics.median(dep_times):.2f} s")
        return lines
