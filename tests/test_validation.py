import datetime

import pytest
from django.core.exceptions import ValidationError

from dispositifs import validation
from dispositifs.models import Dispositif, Structure, Theme
from dispositifs.themes import ThemeIndex
from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public, StatutProtection, match


@pytest.mark.parametrize("typed, shown", [
    ("01.23.45.67.89", "01 23 45 67 89"), ("0123456789", "01 23 45 67 89"), ("+33 1 23 45 67 89", "01 23 45 67 89"),
    ("0033123456789", "01 23 45 67 89"), ("123456789", "01 23 45 67 89"), ("115", "115"), ("32 30", "32 30"),
    ("3919", "39 19"), ("+44 20 7946 0958", "+442079460958"), ("", ""), ("612345678.0", "06 12 34 56 78"),
])
def test_phone_numbers_written_many_ways(typed, shown):
    assert validation.normalise_phone(typed) == shown


@pytest.mark.parametrize("bad", ["appeler la mairie", "01 23 45", "12"])
def test_bad_phone_numbers_are_refused_with_the_value(bad):
    with pytest.raises(ValidationError, match="téléphone"):
        validation.normalise_phone(bad)


@pytest.mark.parametrize("typed, code", [("1000", "01000"), (1000, "01000"), ("1000.0", "01000"), ("75011", "75011")])
def test_postal_codes_get_their_zero_back(typed, code):
    assert validation.normalise_postal_code(typed) == code


def test_insee_codes():
    assert validation.normalise_insee("1001") == "01001"
    assert validation.normalise_insee("2a004") == "2A004"
    with pytest.raises(ValidationError):
        validation.normalise_insee("ABCDE")


def test_email_and_url():
    assert validation.normalise_email(" Contact@Asso.FR ") == "contact@asso.fr"
    assert validation.normalise_url("www.asso.fr") == "https://www.asso.fr"
    with pytest.raises(ValidationError, match="courriel"):
        validation.normalise_email("contact@")
    with pytest.raises(ValidationError, match="site web"):
        validation.normalise_url("pas un site")


def test_vocabularies_accept_what_people_write():
    assert match(StatutProtection, "Protection subsidiaire") == "protection-subsidiaire"
    assert match(NiveauFrancais, "a2") == "A2"
    assert match(NiveauFrancais, "Alphabétisation") == "alpha"
    assert match(Modalite, "En ligne") == "distance"
    assert match(Public, "Réfugiés") == "bpi"
    assert match(Public, "martiens") is None


def test_age_and_date_ranges():
    validation.check_age_range(16, 25)
    with pytest.raises(ValidationError, match="supérieur"):
        validation.check_age_range(30, 20)
    with pytest.raises(ValidationError, match="après"):
        validation.check_dates(datetime.date(2026, 5, 1), datetime.date(2026, 1, 1))


def test_unreachable_dispositif_is_refused():
    with pytest.raises(ValidationError, match="ni lieu ni couverture"):
        validation.check_reachable(national=False, has_coverage=False, has_lieux=False)
    validation.check_reachable(national=True, has_coverage=False, has_lieux=False)


@pytest.mark.django_db
def test_model_clean_uses_the_same_rules():
    d = Dispositif(title=" ", age_min=30, age_max=20, phone="01.23.45.67.89")
    with pytest.raises(ValidationError) as exc:
        d.full_clean()
    assert {"title", "age_min"} <= set(exc.value.message_dict)
    d = Dispositif(title="Cours de FLE", phone="01.23.45.67.89", website="asso.fr")
    d.clean()
    assert (d.phone, d.website) == ("01 23 45 67 89", "https://asso.fr")
    s = Structure(name="Asso", siret="123")
    with pytest.raises(ValidationError, match="SIRET"):
        s.full_clean()


@pytest.mark.django_db
def test_database_constraints_back_the_rules():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Dispositif.objects.create(title="x", age_min=30, age_max=20)


@pytest.mark.django_db
def test_theme_vocabulary_and_synonyms():
    assert Theme.objects.roots().count() == 16
    index = ThemeIndex()
    assert index.resolve("FLE") == "lecture-ecriture-calcul--maitriser-le-francais"
    assert index.resolve("Apprendre le français") == "lecture-ecriture-calcul--maitriser-le-francais"
    assert index.resolve("Hébergement") == "logement-hebergement"
    assert index.resolve("Emploi") == "trouver-un-emploi"
    assert index.resolve("sante") == "sante"
    assert index.resolve("astrologie") is None
    children = Theme.objects.expand(["lecture-ecriture-calcul"]).count()
    assert children == 3
