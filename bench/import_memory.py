"""A CSV of a given size for `bench_import_memory`: realistic rows (bench/imports.py's vocabulary),
one action per row, written as it is generated (the generator holds one row at a time)."""

import csv
import random
from pathlib import Path

from django.conf import settings

from bench.imports import HEADERS, PUBLICS, STREETS, TITLES
from dispositifs.models import Theme


def memory_csv(megabytes: int, *, seed: int = 7) -> Path:
    """var/bench/bench-memory-<N>mb.csv, generated once (UTF-8, `;`), about N MB."""
    path = Path(settings.BASE_DIR) / "var" / "bench" / f"bench-memory-{megabytes}mb.csv"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with open(Path(settings.BASE_DIR) / "fixtures" / "territoires" / "communes.csv", encoding="utf-8") as f:
        communes = [(c["nom"], c["codes_postaux"].split()[0]) for c in csv.DictReader(f) if c["codes_postaux"]]
    themes = [t.label for t in Theme.objects.all()]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow([*HEADERS, "Description"])
        i = 0
        while f.tell() < megabytes * 1_000_000:
            i += 1
            nom, cp = rng.choice(communes)
            digits = "0" + str(rng.randrange(1, 6)) + "".join(str(rng.randrange(10)) for _ in range(8))
            writer.writerow([f"M{i:07d}", f"{rng.choice(TITLES)} {i}", f"Association Passerelles {nom}",
                             "; ".join(rng.sample(themes, rng.randrange(1, 3))), rng.choice(PUBLICS),
                             rng.choice(["A1", "A2", "B1", ""]), f"{rng.randrange(1, 150)} {rng.choice(STREETS)}",
                             cp, nom, rng.choice(["", "", "Tout le département"]), digits,
                             f"contact{i}@example.org", rng.choice(["Oui", "Non"]), "01/09/2026",
                             "Accueil sur rendez-vous, ateliers collectifs et suivi individuel. " * 2])
    tmp.rename(path)
    return path
