"""Synthetic spreadsheets for `bench_import`: realistic cells (title rows, postal codes as numbers,
phones in several formats, theme labels and synonyms, zones), deterministic for a given size.

`variant` changes only the contact cells (phone, e-mail, free, start date) of every row: the same
dispositifs with new content, which the importer writes through its bulk update path."""

import csv
import random
from pathlib import Path

from django.conf import settings

from dispositifs.models import Theme

HEADERS = ["N°", "Intitulé de l'action", "Structure porteuse", "Thématique", "Public", "Niveau de français",
           "Adresse", "Code postal", "Commune", "Zone d'intervention", "Téléphone", "Courriel", "Gratuit",
           "Date de début"]
STREETS = ["rue de la République", "avenue Jean Jaurès", "place de la Mairie", "rue Victor Hugo", "rue Pasteur",
           "boulevard Gambetta", "rue des Écoles", "chemin du Moulin", "rue de la Gare", "rue Jules Ferry"]
TITLES = ["Cours de FLE", "Atelier numérique", "Permanence d'accès aux droits", "Accompagnement vers l'emploi",
          "Épicerie solidaire", "Atelier CV", "Groupe de parole", "Auto-école sociale", "Café des parents",
          "Formation qualifiante", "Jardin partagé", "Aide au logement"]
PUBLICS = ["Réfugiés", "BPI", "Primo-arrivants", "Femmes", "Jeunes 16-25 ans", "Familles", "Tous publics"]


def bench_file(rows: int, *, seed: int = 42, variant: int = 0) -> Path:
    """The N-row XLSX under var/bench/ (generated once per size and variant; not timed)."""
    from openpyxl import Workbook

    suffix = f"-v{variant}" if variant else ""
    path = Path(settings.BASE_DIR) / "var" / "bench" / f"bench-import-{rows}{suffix}.xlsx"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    contact = random.Random(seed * 1000 + variant)  # the cells a variant changes
    with open(Path(settings.BASE_DIR) / "fixtures" / "territoires" / "communes.csv", encoding="utf-8") as f:
        communes = list(csv.DictReader(f))
    weights = [max(int(c["population"]), 50) ** 0.8 for c in communes]
    themes = [name for t in Theme.objects.all() for name in [t.label, *t.synonyms[:2]]]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Actions")
    ws.append(["Recensement des actions d'intégration — fichier de benchmark (données fictives)"])
    ws.append([])
    ws.append(HEADERS)
    # About one structure for ten actions, each with its home commune, as in real regional files.
    kinds = ["Association Passerelles", "Centre social", "Maison des solidarités", "Langues et Cultures", "CCAS"]
    pool = [(f"{rng.choice(kinds)} {c['nom']}", c)
            for c in rng.choices(communes, weights=weights, k=max(rows // 10, 1))]
    for i in range(1, rows + 1):
        structure, c = rng.choice(pool)
        digits = "0" + str(contact.randrange(1, 6)) + "".join(str(contact.randrange(10)) for _ in range(8))
        phone = contact.choice([digits, " ".join(digits[j:j + 2] for j in range(0, 10, 2)),
                                ".".join(digits[j:j + 2] for j in range(0, 10, 2)), digits[1:]])
        zone = rng.choice(["", "", "", "Tout le département", c["nom"], "National"])
        ws.append([f"B{i:06d}", f"{rng.choice(TITLES)} {i}", structure,
                   "; ".join(rng.sample(themes, rng.randrange(1, 3))), rng.choice(PUBLICS),
                   rng.choice(["A1", "A2", "B1", ""]), f"{rng.randrange(1, 150)} {rng.choice(STREETS)}",
                   int(c["codes_postaux"].split()[0]), c["nom"], zone, phone,
                   f"contact{i}-{variant}@example.org" if contact.random() < 0.6 else "",
                   contact.choice(["Oui", "Non", "Gratuit"]),
                   f"{contact.randrange(1, 29):02d}/{contact.randrange(1, 13):02d}/2026"])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.rename(path)
    return path
