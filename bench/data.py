"""Synthetic national dataset for the benchmarks (bench_search, bench_maps): fast, seeded, COPY.

`generate(n_dispositifs=100_000, n_lieux=200_000, seed=42)` replaces every structure, dispositif
and lieu of the current database (refused unless its name says it is a bench or test database)
with a dataset of the real shape:
- lieux spread over the communes by population (a dispositif's lieux cluster in one département);
- 5% national; coverage at every level: ~4% a région, ~12% one or two départements, ~10% a few
  communes; a dispositif without lieu always has a coverage (docs/ARCHITECTURE.md, "The rules");
- 1 to 3 themes (sub-themes mostly), publics, languages, ages, price, modality, French level;
  ~94% published, ~3% ended.
"""

import bisect
import io
import random
import time
from collections import defaultdict
from datetime import date, timedelta
from itertools import accumulate

from django.db import connection

from dispositifs.models import Dispositif, Lieu, Structure, Theme
from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public, TypeStructure

WORDS = ("Atelier", "Cours", "Permanence", "Accompagnement", "Parcours", "Formation", "Club", "Point",
         "Espace", "Dispositif", "Programme", "Plateforme")
SUBJECTS = ("français", "emploi", "numérique", "santé", "logement", "mobilité", "droits", "insertion",
            "alphabétisation", "parentalité", "code de la route", "orientation", "culture", "sport")
LANGUAGES = ("en", "ar", "ps", "fa", "ti", "ru", "uk", "es", "de", "pt")


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples) into a table through psycopg 3's COPY protocol."""
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _check_database():
    name = connection.settings_dict["NAME"]
    if "bench" not in name and not name.startswith("test"):
        raise RuntimeError(f"refusing to replace the dispositifs of database {name!r}: not a bench/test database")


def generate(n_dispositifs: int = 100_000, n_lieux: int = 200_000, seed: int = 42, *, stdout=None) -> dict:
    """Replace the domain data with a synthetic dataset; returns the counts written."""
    _check_database()
    rng = random.Random(seed)
    start = time.perf_counter()

    def say(msg):
        if stdout is not None:
            stdout.write(f"  {msg} ({time.perf_counter() - start:.1f} s)")

    with connection.cursor() as c:
        c.execute("SELECT code, departement_id, region_id, population, ST_X(centre), ST_Y(centre) "
                  "FROM territoires_commune")
        communes = c.fetchall()
    themes = list(Theme.objects.values_list("slug", "parent_id"))
    if not communes or not themes:
        raise RuntimeError("load territoires and themes first (ensure_bench_database does)")
    subthemes = [s for s, p in themes if p] or [s for s, _ in themes]
    roots = [s for s, p in themes if not p]
    departements = sorted({c[1] for c in communes})

    weights = list(accumulate(max(c[3], 1) for c in communes))
    by_dep = defaultdict(list)
    for c in communes:
        by_dep[c[1]].append(c)
    dep_weights = {d: list(accumulate(max(c[3], 1) for c in cs)) for d, cs in by_dep.items()}

    def pick_commune():
        return communes[bisect.bisect_left(weights, rng.random() * weights[-1])]

    def pick_in(dep):
        w = dep_weights[dep]
        return by_dep[dep][bisect.bisect_left(w, rng.random() * w[-1])]

    n_structures = max(1, n_dispositifs // 20)
    now = time.strftime("%Y-%m-%d %H:%M:%S+00")
    today = date.today()
    kinds = [k.value for k in TypeStructure]
    publics = [p.value for p in Public]
    levels = [n.value for n in NiveauFrancais]

    # Lieux per dispositif: ~85% of dispositifs have at least one, the rest of n_lieux spread on them.
    nationals = {i for i in range(1, n_dispositifs + 1) if rng.random() < 0.05}
    with_lieux = [i for i in range(1, n_dispositifs + 1)
                  if rng.random() < (0.3 if i in nationals else 0.85)] or [1]
    counts = dict.fromkeys(with_lieux, 1)
    for _ in range(max(0, n_lieux - len(with_lieux))):
        counts[with_lieux[rng.randrange(len(with_lieux))]] += 1

    dispositifs, lieux, theme_rows = [], [], []
    cover = {"communes": [], "departements": [], "regions": []}
    lieu_id = 0
    for i in range(1, n_dispositifs + 1):
        home = pick_commune()
        national = i in nationals
        n_l = counts.get(i, 0)
        for _ in range(n_l):
            c = home if rng.random() < 0.5 else pick_in(home[1])
            jitter = 0.004 + 0.00002 * (c[3] ** 0.5)
            lieu_id += 1
            lieux.append((lieu_id, i, c[0], f"{c[5] + rng.uniform(-jitter, jitter) * 0.7:.6f}",
                          f"{c[4] + rng.uniform(-jitter, jitter):.6f}"))
        r = rng.random()
        if not national:
            if r < 0.04 or (n_l == 0 and r < 0.2):
                cover["regions"].append((i, home[2]))
            elif r < 0.16 or (n_l == 0 and r < 0.6):
                cover["departements"].append((i, home[1]))
                if rng.random() < 0.2:
                    cover["departements"].append((i, rng.choice(departements)))
            elif r < 0.26 or n_l == 0:
                codes = {home[0]} | {pick_in(home[1])[0] for _ in range(rng.randint(0, 4))}
                cover["communes"].extend((i, code) for code in codes)
        chosen = {rng.choice(subthemes) if rng.random() < 0.85 else rng.choice(roots)
                  for _ in range(rng.randint(1, 3))}
        theme_rows.extend((i, s) for s in chosen)
        age_min = rng.choice((None, None, None, 16, 18, 26))
        age_max = rng.choice((None, None, 25, 30, 65)) if age_min is None or age_min < 25 else None
        status = "publie" if rng.random() < 0.94 else rng.choice(("brouillon", "archive"))
        ended = rng.random() < 0.03
        end_date = today - timedelta(days=rng.randint(1, 300)) if ended else None
        start_date = end_date - timedelta(days=200) if ended else None
        dispositifs.append((
            i, f"{rng.choice(WORDS)} {rng.choice(SUBJECTS)} {i}", "", "",
            "{" + ",".join(rng.sample(publics, rng.choice((0, 0, 1, 1, 2)))) + "}", "{}",
            age_min, age_max, rng.choice(("", "", "") + tuple(levels)),
            "{" + ",".join(["fr", *rng.sample(LANGUAGES, rng.choice((0, 0, 1, 2)))]) + "}",
            rng.choice((True, True, False, None)), "",
            rng.choices([m.value for m in Modalite], weights=(7, 2, 1))[0] if not national
            else rng.choice((Modalite.DISTANCE.value, Modalite.MIXTE.value)),
            "", "", "", "", start_date, end_date, national, status, "bench", "", f"bench-{i}", "", None, now, now,
            1 + i % n_structures))
    say(f"{n_dispositifs} dispositifs, {len(lieux)} lieux générés")

    tables = [Dispositif._meta.db_table, Lieu._meta.db_table, Structure._meta.db_table,
              Dispositif.themes.through._meta.db_table, Dispositif.communes.through._meta.db_table,
              Dispositif.departements.through._meta.db_table, Dispositif.regions.through._meta.db_table]
    with connection.cursor() as c:
        c.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        raw = c.cursor
        _copy(raw, Structure._meta.db_table,
              ["id", "name", "name_key", "kind", "siret", "website", "phone", "email", "created_at", "updated_at"],
              ((s, f"Structure {s}", f"structure {s}", kinds[s % len(kinds)], "", "", "", "", now, now)
               for s in range(1, n_structures + 1)))
        _copy(raw, Dispositif._meta.db_table,
              ["id", "title", "summary", "description", "publics", "protection_statuses", "age_min", "age_max",
               "french_level", "languages", "free", "price", "modality", "registration", "phone", "email",
               "website", "start_date", "end_date", "national", "status", "source", "external_id", "import_key",
               "content_hash", "last_verified", "created_at", "updated_at", "structure_id"], dispositifs)
        say("dispositifs copiés")
        # Lieux through a text buffer: the point is built by PostGIS from lon/lat text.
        buf = io.StringIO()
        for lid, did, code, lat, lon in lieux:
            buf.write(f"{lid}\t{did}\t{code}\tSRID=4326;POINT({lon} {lat})\tcommune\tLieu {lid}\t\t\t\t\n")
        columns = "id, dispositif_id, commune_id, point, precision, name, address, postal_code, accessibility, " \
                  "opening_hours"
        with raw.copy(f"COPY {Lieu._meta.db_table} ({columns}) FROM STDIN") as cp:
            cp.write(buf.getvalue())
        say("lieux copiés")
        _copy(raw, Dispositif.themes.through._meta.db_table, ["dispositif_id", "theme_id"], theme_rows)
        for level, column in (("communes", "commune_id"), ("departements", "departement_id"),
                              ("regions", "region_id")):
            rows = sorted(set(cover[level]))
            _copy(raw, getattr(Dispositif, level).through._meta.db_table, ["dispositif_id", column], rows)
        for table in tables:
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) "
                      f"FROM {table}")
            c.execute(f"ANALYZE {table}")
        # The search's side tables, filled by their triggers during the COPYs (dispositifs/side_tables.py);
        # the generation they moved on keys the cached national slices, so nothing else to clear.
        c.execute("ANALYZE dispositifs_recherche_lieu; ANALYZE dispositifs_recherche_couverture")
    summary = {"structures": n_structures, "dispositifs": n_dispositifs, "lieux": len(lieux),
               "national": sum(1 for d in dispositifs if d[19]),
               **{f"couverture_{k}": len(set(v)) for k, v in cover.items()}}
    say("données de benchmark prêtes : " + " ".join(f"{k}={v}" for k, v in summary.items()))
    return summary
