"""A separate database for the benchmarks (`bench_import`, `bench_search`, `bench_maps`).

Benchmarks generate tens of thousands of rows; they must never touch the dev data. The bench
database `annuaire_bench` lives on the same cluster as the default one (same host, port, user),
is created on first use with the extensions the migrations need, migrated, and filled with the
reference data (territoires, themes) once.

Usage in a management command::

    from bench.db import ensure_bench_database
    alias = ensure_bench_database(stdout=self.stdout)   # "default" now points at annuaire_bench

`ensure_bench_database()` re-points the `default` connection at the bench database for the rest
of the process, so every service (which uses `django.db.connection` and the ORM default) writes
there, and also registers it under the alias `bench` for code that prefers `using("bench")`.
"""

import copy
import time

import psycopg
from django.core.management import call_command
from django.db import connections

BENCH_DB_NAME = "annuaire_bench"
BENCH_ALIAS = "bench"
EXTENSIONS = ("postgis", "pg_trgm", "unaccent")


def _conninfo(settings_dict: dict, dbname: str) -> dict:
    params = {"dbname": dbname, "host": settings_dict.get("HOST") or None, "port": settings_dict.get("PORT") or None,
              "user": settings_dict.get("USER") or None, "password": settings_dict.get("PASSWORD") or None}
    return {k: v for k, v in params.items() if v is not None}


def _create_if_missing(settings_dict: dict, name: str) -> bool:
    """CREATE DATABASE cannot run inside a transaction: use a separate autocommit connection."""
    with psycopg.connect(**_conninfo(settings_dict, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(**_conninfo(settings_dict, name), autocommit=True) as conn:
        for ext in EXTENSIONS:
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
    return not exists


def ensure_bench_database(*, name: str = BENCH_DB_NAME, stdout=None, switch_default: bool = True) -> str:
    """Make sure the bench database exists, is migrated and holds territoires + themes.

    Returns the alias to use ("default" when switch_default, else "bench"). Idempotent: the second
    call only checks (migrate is a no-op, territoires are loaded only when the table is empty).
    """
    def say(msg):
        if stdout is not None:
            stdout.write(msg)

    start = time.perf_counter()
    base = copy.deepcopy(connections.settings["default"])
    if base["NAME"] == name:  # already switched in this process
        return "default" if switch_default else BENCH_ALIAS
    if _create_if_missing(base, name):
        say(f"base de benchmark {name} créée")
    bench = {**base, "NAME": name, "TEST": {"NAME": f"test_{name}"}}
    connections.settings[BENCH_ALIAS] = bench
    connections.databases[BENCH_ALIAS] = bench
    alias = BENCH_ALIAS
    if switch_default:
        connections["default"].close()
        connections["default"].settings_dict["NAME"] = name
        connections.settings["default"]["NAME"] = name
        alias = "default"

    call_command("migrate", database=alias, interactive=False, verbosity=0)
    call_command("createcachetable", database=alias, verbosity=0)   # the search's national slices
    from dispositifs.models import Theme
    from territoires.models import Commune

    if not Commune.objects.using(alias).exists() or not Theme.objects.using(alias).exists():
        if alias != "default":
            raise RuntimeError("the bench database is empty: call ensure_bench_database(switch_default=True) once")
        from dispositifs.themes import load_themes
        from territoires.loader import load_territoires

        load_territoires()
        load_themes()
        say(f"territoires et thèmes chargés dans {name}")
    say(f"base de benchmark : {name} (prête en {time.perf_counter() - start:.1f} s)")
    return alias
