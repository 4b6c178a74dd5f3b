"""Row normalisation and the rejection reasons, through the real pipeline on small files."""

import pytest

from dispositifs.models import Dispositif
from imports.services import import_file
from tests.import_files import HEADER, ROWS, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def _import(tmp_path, rows, *, header=HEADER, source="test", **kw):
    return import_file(write_csv(tmp_path / "f.csv", rows, header=header), source=source, **kw)


def _problems(result, severity=None):
    return [(p.line, p.column, p.reason) for p in result.report.sorted() if severity in (None, p.severity)]


def test_leading_zeros_restored_postal_and_insee(tmp_path):
    header = ["Intitulé", "Thématique", "Code postal", "Commune", "Code INSEE"]
    result = _import(tmp_path, [["A", "FLE", "1000", "Bourg-en-Bresse", ""], ["B", "FLE", "", "", "1053"],
                                ["C", "FLE", "1000.0", "", ""]], header=header)
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=0"
    lieux = {d.title: d.lieux.get() for d in Dispositif.objects.filter(source="test")}
    assert lieux["A"].postal_code == "01000" and lieux["A"].commune_id == "01053"
    assert lieux["B"].commune_id == "01053"
    assert lieux["C"].commune_id == "01053" and lieux["C"].precision == "commune"


def test_leading_zero_restored_from_xlsx_number_cells(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [["A", "FLE", 1000, "Bourg-en-Bresse"]],
                      header=["Intitulé", "Thématique", "Code postal", "Commune"])
    assert import_file(path, source="test").counts.created == 1
    assert Dispositif.objects.get(source="test").lieux.get().postal_code == "01000"


def test_values_normalised(tmp_path):
    header = ["Intitulé", "Thématique", "Commune", "Code postal", "Téléphone", "Mail", "Site", "Gratuit",
              "Niveau de français", "Public", "Date de début", "Date de fin", "Âge", "Langues"]
    _import(tmp_path, [
        ["A", "FLE ; Santé", "Dijon", "21000", "+33 3 80 12 34 56", "Contact@Exemple.org", "www.exemple.org",
         "Gratuit", "A 2", "Réfugiés, Femmes", "01/09/2026", "30/06/2027", "16-25 ans", "Anglais, arabe, dari"],
        ["B", "Hébergement", "Dijon", "21000", "32 30", "", "", "Non", "alphabétisation", "", "2026-09-01", "", "",
         ""],
        ["C", "Logement", "Dijon", "21000", "380123456", "", "", "5 € / an", "", "", "", "", "", ""],
    ], header=header)
    a, b, c = (Dispositif.objects.get(source="test", title=t) for t in "ABC")
    assert a.phone == "03 80 12 34 56" and a.email == "contact@exemple.org" and a.website == "https://www.exemple.org"
    assert a.free is True and a.french_level == "A2" and a.publics == ["bpi", "femmes"]
    assert str(a.start_date) == "2026-09-01" and str(a.end_date) == "2027-06-30"
    assert (a.age_min, a.age_max) == (16, 25) and a.languages == ["en", "ar", "prs"]
    assert sorted(a.themes.values_list("slug", flat=True)) == ["lecture-ecriture-calcul--maitriser-le-francais",
                                                               "sante"]
    assert b.phone == "32 30" and b.free is False and b.french_level == "alpha" and str(b.start_date) == "2026-09-01"
    assert b.themes.get().slug == "logement-hebergement"  # a synonym of the category
    assert c.phone == "03 80 12 34 56" and c.free is False and c.price == "5 € / an"


def test_doubtful_values_are_warnings_not_rejections(tmp_path):
    header = ["Intitulé", "Thématique", "Commune", "Téléphone", "Mail", "Date de début", "Date de fin"]
    result = _import(tmp_path, [["A", "FLE", "Dijon", "01 23 45", "contact(at)x.org", "01/09/2026", "01/01/2026"]],
                     header=header)
    assert result.counts.created == 1 and result.exit_code == 0
    reasons = _problems(result, "warning")
    assert [(line, col) for line, col, _ in reasons] == [(2, "Téléphone"), (2, "Mail"), (2, "Date de fin")]
    d = Dispositif.objects.get(source="test")
    assert d.phone == "" and d.email == "" and d.start_date is None


@pytest.mark.parametrize("zone,expected", [
    ("National", {"national": True}),
    ("Tout le département", {"departements": ["21"]}),
    ("Département", {"departements": ["21"]}),
    ("Côte-d'Or", {"departements": ["21"]}),
    ("21", {"departements": ["21"]}),
    ("cote d or", {"departements": ["21"]}),
    ("Bourgogne-Franche-Comté", {"regions": ["27"]}),
    ("Doubs ; Jura", {"departements": ["25", "39"]}),
    ("Dijon, Beaune et Chenôve", {"communes": ["21054", "21166", "21231"]}),
    ("Dijon / Besançon", {"communes": ["21231", "25056"]}),
])
def test_zone_text_becomes_coverage(tmp_path, zone, expected):
    header = ["Intitulé", "Thématique", "Zone d'intervention"]
    result = _import(tmp_path, [["A", "FLE", zone]], header=header, departement="21")
    assert result.counts.created == 1, result.report.problems
    d = Dispositif.objects.get(source="test")
    assert d.national == expected.get("national", False)
    assert sorted(d.regions.values_list("code", flat=True)) == expected.get("regions", [])
    assert sorted(d.departements.values_list("code", flat=True)) == expected.get("departements", [])
    assert sorted(d.communes.values_list("code", flat=True)) == expected.get("communes", [])
    assert not d.lieux.exists()


def test_tout_le_departement_without_option_uses_the_row_commune(tmp_path):
    header = ["Intitulé", "Thématique", "Commune", "Code postal", "Zone"]
    _import(tmp_path, [["A", "FLE", "Bourg-en-Bresse", "01000", "Tout le département"]], header=header)
    assert list(Dispositif.objects.get(source="test").departements.values_list("code", flat=True)) == ["01"]


def test_commune_resolution_accents_saint_and_arrondissements(tmp_path):
    header = ["Intitulé", "Thématique", "Commune", "Code postal"]
    _import(tmp_path, [["A", "FLE", "st etienne", "42000"], ["B", "FLE", "SAINT-ÉTIENNE", ""],
                       ["C", "FLE", "Lyon 3e", "69003"], ["D", "FLE", "Marseille 13e Arrondissement", ""],
                       ["E", "FLE", "Paris CEDEX 15", "75015"]], header=header)
    communes = dict(Dispositif.objects.filter(source="test").values_list("title", "lieux__commune_id"))
    assert communes == {"A": "42218", "B": "42218", "C": "69123", "D": "13055", "E": "75056"}


@pytest.mark.parametrize("row,column,reason", [
    (["", "FLE", "Dijon", ""], "Intitulé", "intitulé manquant"),
    (["A", "Bricolage", "Dijon", ""], "Thématique", "thématique inconnue : Bricolage (thématiques connues : "
                                                    "choisir-un-metier"),
    (["A", "FLE", "Saint-Glinglin", ""], "Commune", "lieu introuvable"),
    (["A", "FLE", "", ""], "Zone d'intervention", "ni lieu ni couverture"),
    (["A", "FLE", "", "Atlantide"], "Zone d'intervention", "zone d'intervention inconnue : Atlantide"),
])
def test_each_rejection_reason(tmp_path, row, column, reason):
    header = ["Intitulé", "Thématique", "Commune", "Zone d'intervention"]
    result = _import(tmp_path, [["Ok", "FLE", "Dijon", ""], row], header=header)
    assert result.summary() == "created=1 updated=0 unchanged=0 rejected=1"
    assert result.exit_code == 1
    errors = _problems(result, "error")
    assert len(errors) == 1
    line, col, why = errors[0]
    assert (line, col) == (3, column) and why.startswith(reason), why
    assert Dispositif.objects.filter(source="test").count() == 1


def test_duplicate_line_rejected_with_first_line(tmp_path):
    result = _import(tmp_path, [ROWS[0], ROWS[1], ROWS[0]])
    assert result.summary() == "created=2 updated=0 unchanged=0 rejected=1"
    assert _problems(result, "error")[0][0] == 4 and "doublon de la ligne 2" in _problems(result, "error")[0][2]


def test_line_numbers_count_title_rows(tmp_path):
    rows = [ROWS[0], ["", "X", "FLE", "", "", "Dijon", "", "", ""]]
    result = import_file(write_xlsx(tmp_path / "t.xlsx", rows, title_rows=[["Titre"], ["Sous-titre"], []]),
                         source="test")
    assert _problems(result, "error") == [(6, "Intitulé", "intitulé manquant : chaque action doit avoir un intitulé")]


def test_misspelt_commune_with_a_postal_code_of_one_commune_is_a_warning(tmp_path):
    header = ["Intitulé", "Thématique", "Commune", "Code postal"]
    result = _import(tmp_path, [["A", "FLE", "Dijonn", "21000"], ["B", "FLE", "Lyonn", "69002"],
                                ["C", "FLE", "Bourgg", "01000"]], header=header)
    assert result.summary() == "created=2 updated=0 unchanged=0 rejected=1"
    assert dict(Dispositif.objects.filter(source="test").values_list("title", "lieux__commune_id")) == {
        "A": "21231", "B": "69123"}
    assert [p.line for p in result.report.warnings] == [2, 3]
    assert result.report.errors[0].line == 4  # 01000 is shared by two communes: no guess


def test_gazetteer_reused_until_the_communes_change():
    from imports.gazetteer import Gazetteer
    from territoires.models import Commune

    first = Gazetteer.current()
    assert Gazetteer.current() is first
    Commune.objects.filter(code="21231").update(nom="Dijon-la-Neuve")
    second = Gazetteer.current()
    assert second is not first and second.communes["21231"].nom == "Dijon-la-Neuve"
    assert second.communes_named("dijon la neuve")[0].code == "21231"
