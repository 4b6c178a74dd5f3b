"""Headers as published files write them (INSEE/ANCT/BAN names), generic headers never guessed,
the column with values wins, default themes and value maps, unknown values dropped with a warning,
places in the right commune, and the grouped report."""

import pytest

from dispositifs.models import Dispositif, Lieu
from imports.columns import build_profile
from imports.services import import_file
from imports.summary import summary_lines
from tests.import_files import write_csv

pytestmark = pytest.mark.django_db


def _import(tmp_path, header, rows, **kw):
    path = write_csv(tmp_path / "f.csv", rows, header=header)
    return import_file(path, source="t", **kw)


def _warnings(result):
    return [(p.cause, p.value, p.suggestion) for p in result.report.problems if p.severity == "warning"]


def test_insee_names_win_over_the_postal_code(tmp_path):
    """France services: `insee_com` 03183 (Le Montet) with postal code 03240, shared with Tronget."""
    header = ["id_fs", "lib_fs", "adresse", "insee_com", "code_postal", "lib_com", "latitude", "longitude"]
    rows = [["1", "France services du Montet", "1 place", "03183", "03240", "Le Montet", "46.4061", "3.0551"]]
    result = _import(tmp_path, header, rows, profile=build_profile(themes=["numerique"]))
    assert result.summary() == "created=1 updated=0 unchanged=0 rejected=0", result.report.problems
    lieu = Lieu.objects.get()
    assert lieu.commune_id == "03183" and lieu.precision == "adresse"
    assert Dispositif.objects.get().external_id == "1"


def test_no_theme_column_is_refused_without_theme_option(tmp_path):
    header = ["lib_fs", "insee_com"]
    result = _import(tmp_path, header, [["France services", "21231"]])
    assert result.exit_code == 2 and "--theme" in result.message


def test_generic_headers_are_not_guessed(tmp_path):
    """`N°` with street numbers is not an identifier, `categorie` with numbers is not a theme,
    `type` is nothing; `x`/`y` in Lambert-93 become a point in the right commune."""
    header = ["Intitulé", "N°", "Adresse", "categorie", "type", "Code INSEE", "x", "y"]
    rows = [["Point numérique A", "12", "rue de la Gare", "3", "mairie", "49007", "431296", "6710296"],
            ["Point numérique B", "12", "rue Victor Hugo", "3", "mairie", "49007", "431296", "6710296"],
            ["Point numérique C", "4", "place du Marché", "1", "asso", "49007", "431296", "6710296"]]
    result = _import(tmp_path, header, rows, profile=build_profile(themes=["numerique"]))
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=0", result.report.problems
    assert set(Dispositif.objects.values_list("external_id", flat=True)) == {""}
    assert set(Lieu.objects.values_list("address", flat=True)) == {"12 rue de la Gare", "12 rue Victor Hugo",
                                                                     "4 place du Marché"}
    lieu = Lieu.objects.first()
    assert lieu.commune_id == "49007"  # Angers, converted from Lambert-93 (not a point in the Sahara)
    assert 47.4 < lieu.point.y < 47.5 and -0.6 < lieu.point.x < -0.5
    assert ("coordonnees-projetees", "431296, 6710296", "") in _warnings(result)
    assert {t.slug for d in Dispositif.objects.all() for t in d.themes.all()} == {"numerique"}


def test_categorie_with_theme_values_is_the_theme_column(tmp_path):
    header = ["Intitulé", "categorie", "Commune"]
    rows = [["Cours", "FLE", "Dijon"], ["Permanence", "Accès aux droits", "Dijon"]]
    result = _import(tmp_path, header, rows)
    assert result.summary() == "created=2 updated=0 unchanged=0 rejected=0"


def test_the_column_with_values_wins_and_the_report_says_so(tmp_path):
    header = ["Intitulé", "Thématique", "Commune", "Latitude", "latitude", "Longitude", "longitude"]
    rows = [["Cours", "FLE", "Dijon", "", "47.3220", "", "5.0415"]]
    result = _import(tmp_path, header, rows)
    assert result.summary() == "created=1 updated=0 unchanged=0 rejected=0", result.report.problems
    assert Lieu.objects.get().point.y == pytest.approx(47.322)
    notes = [p.reason for p in result.report.problems if p.cause == "colonnes"]
    assert any("colonne « latitude » retenue" in n for n in notes), notes


def test_unknown_values_are_dropped_with_a_warning_and_a_suggestion(tmp_path):
    header = ["Intitulé", "Thématique", "Commune", "Courriel", "Téléphone", "Site"]
    rows = [["Cours", "FLE; Gestion financière", "Dijon", "pas une adresse", "12", "pas une url !"]]
    result = _import(tmp_path, header, rows)
    assert result.summary() == "created=1 updated=0 unchanged=0 rejected=0"
    d = Dispositif.objects.get()
    assert [t.slug for t in d.themes.all()] == ["lecture-ecriture-calcul--maitriser-le-francais"]
    assert d.email == "" and d.website == ""
    causes = {c: s for c, _v, s in _warnings(result)}
    assert "difficultes-financieres" in causes["theme-inconnu"]
    assert {"courriel-invalide", "url-invalide"} <= set(causes)
    lines = summary_lines(result.report.problems)
    assert any("Gestion financière" in line and "suggestion : difficultes-financieres" in line for line in lines)


def test_map_and_default_theme(tmp_path):
    header = ["Intitulé", "categorie", "Commune"]
    rows = [["Atelier", "3", "Dijon"], ["Permanence", "", "Dijon"]]
    profile = build_profile(themes=["famille"], maps=["categorie=3:numerique"])
    result = _import(tmp_path, header, rows, profile=profile)
    assert result.summary() == "created=2 updated=0 unchanged=0 rejected=0", result.report.problems
    themes = {d.title: [t.slug for t in d.themes.all()] for d in Dispositif.objects.all()}
    assert themes == {"Atelier": ["numerique"], "Permanence": ["famille"]}


def test_datainclusion_v0_theme_codes(tmp_path):
    header = ["Intitulé", "Thématique", "Commune"]
    rows = [["Cours", "apprendre-francais--accompagnement-insertion-pro", "Dijon"]]
    result = _import(tmp_path, header, rows)
    assert result.summary() == "created=1 updated=0 unchanged=0 rejected=0"
    assert [t.slug for t in Dispositif.objects.get().themes.all()] == [
        "lecture-ecriture-calcul--maitriser-le-francais"]


@pytest.mark.parametrize("lat,lon,cause", [
    ("5.0415", "47.3220", "point-corrige"),   # swapped
    ("47.3220", "-5.0415", "point-corrige"),  # a minus sign too many: lost-sign check
    ("44.0", "2.0", "point-hors-commune"),    # elsewhere in France: the INSEE code's commune wins
])
def test_points_far_from_their_commune(tmp_path, lat, lon, cause):
    header = ["Intitulé", "Thématique", "Code INSEE", "Latitude", "Longitude"]
    result = _import(tmp_path, header, [["Cours", "FLE", "21231", lat, lon]])
    assert result.summary() == "created=1 updated=0 unchanged=0 rejected=0", result.report.problems
    lieu = Lieu.objects.get()
    assert lieu.commune_id == "21231"
    assert lieu.point.y == pytest.approx(47.32, abs=0.05) and lieu.point.x == pytest.approx(5.04, abs=0.05)
    assert cause in {c for c, _v, _s in _warnings(result)}


def test_old_codes_delegated_names_and_localities(tmp_path):
    header = ["Intitulé", "Thématique", "Code INSEE", "Code postal", "Commune"]
    rows = [["Ancien code", "FLE", "01340", "", ""],                        # merged into Arboys en Bugey 01015
            ["Commune déléguée", "FLE", "", "01200", "Bellegarde-sur-Valserine"],  # Valserhône 01033
            ["Lieu-dit", "FLE", "", "", "97437 SAINTE ANNE"]]               # Saint-Benoît's postal code
    result = _import(tmp_path, header, rows)
    assert result.summary() == "created=3 updated=0 unchanged=0 rejected=0", result.report.problems
    communes = dict(Lieu.objects.values_list("dispositif__title", "commune_id"))
    assert communes == {"Ancien code": "01015", "Commune déléguée": "01033", "Lieu-dit": "97410"}
