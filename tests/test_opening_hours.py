"""Opening hours (issue #14): OSM `opening_hours` read with opening-hours-py, converted from what
spreadsheets hold, shown as a week in the page's language with "ouvert maintenant", temporary closures,
and the `ouvert` filter of the results page."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from annuaire.web import presenters
from dispositifs import horaires
from horaires.forms import WeekHoursForm
from horaires.models import Fermeture
from tests.browser.sample import build_sample

FRANCE_SERVICES = "9:00 - 12:00 / 13:30 - 17:00"
MONDAY_10H = dt.datetime(2026, 11, 30, 10, 0)


def test_per_day_columns_become_one_osm_value():
    columns = {"Lundi": FRANCE_SERVICES, "Mardi": FRANCE_SERVICES, "Mercredi": FRANCE_SERVICES,
               "Jeudi": "Fermé", "Vendredi": "9h-12h", "Samedi": "9h - 12h", "Dimanche": None}
    assert horaires.from_day_columns(columns) == "Mo-We 09:00-12:00,13:30-17:00; Fr,Sa 09:00-12:00"
    assert horaires.from_day_columns({"Lundi": "", "Mardi": "fermé"}) is None


def test_french_text_and_osm_values_are_normalised():
    assert horaires.normalise("Mo-Fr 9:00-12:00") == "Mo-Fr 09:00-12:00"
    assert horaires.normalise("Lundi et jeudi, 9 h – 12 h") == "Mo,Th 09:00-12:00"
    assert horaires.normalise("du lundi au vendredi de 9h à 12h et de 14h à 17h") == "Mo-Fr 09:00-12:00,14:00-17:00"
    assert horaires.normalise("sur rendez-vous") is None  # not guessed
    assert horaires.normalise("") is None


def test_open_now_and_next_change():
    assert horaires.status("Mo-Fr 09:00-17:00", MONDAY_10H) == horaires.Status(True, dt.datetime(2026, 11, 30, 17))
    closed = horaires.status("Tu 09:00-12:00", MONDAY_10H)
    assert closed.open is False and closed.change == dt.datetime(2026, 12, 1, 9)
    assert horaires.status("n'importe quoi", MONDAY_10H) is None
    assert horaires.open_on_day("Mo,Th 09:00-12:00", dt.date(2026, 12, 3))
    assert not horaires.open_on_day("Mo,Th 09:00-12:00", dt.date(2026, 12, 2))


def test_status_and_week_in_the_page_language():
    with translation.override("fr"):
        assert presenters.opening_status("Mo-Fr 09:00-17:00", MONDAY_10H) == "Ouvert maintenant · ferme à 17:00"
        assert presenters.opening_status("Tu 09:00-12:00", MONDAY_10H) == "Fermé · ouvre demain à 09:00"
        week = presenters.opening_week("Mo-Fr 09:00-12:00,13:30-17:00", MONDAY_10H.date())
        assert week[0] == {"day": "lundi", "hours": "09:00–12:00, 13:30–17:00", "today": True, "closed": False}
        assert week[6]["hours"] == "Fermé"
    with translation.override("ar"):
        status = presenters.opening_status("Mo-Fr 09:00-17:00", MONDAY_10H)
        assert status == "مفتوح الآن · يغلق الساعة 5:00 م"
        assert presenters.opening_week("Mo 09:00-12:00", MONDAY_10H.date())[0]["day"] == "الاثنين"
    with translation.override("uk"):
        assert presenters.opening_week("Mo 09:00-12:00", MONDAY_10H.date())[0]["day"].lower() == "понеділок"


def test_week_form_round_trip():
    form = WeekHoursForm({"jour_0": "9:00-12:00, 13:30-17:00", "jour_1": "9:00-12:00, 13:30-17:00",
                          "jour_4": "9h-12h", "jour_6": ""})
    assert form.is_valid(), form.errors
    assert form.osm() == "Mo,Tu 09:00-12:00,13:30-17:00; Fr 09:00-12:00"
    again = WeekHoursForm(initial_osm=form.osm())
    assert again.fields["jour_0"].initial == "09:00-12:00, 13:30-17:00" and again.fields["jour_2"].initial == ""
    assert not WeekHoursForm({"jour_0": "le matin"}).is_valid()


@pytest.mark.django_db
def test_detail_page_shows_the_week_status_and_closures(client):
    s = build_sample()
    lieu = s.francais.lieux.get()
    lieu.opening_hours = "24/7"
    lieu.save()
    page = client.get(s.francais.get_absolute_url(), {"lang": "fr"}).content.decode()
    assert "Ouvert maintenant" in page and 'class="web-week' in page
    today = timezone.localdate()
    Fermeture.objects.create(dispositif=s.francais, debut=today, fin=today + dt.timedelta(days=3),
                             message="Fermé pour travaux")
    page = client.get(s.francais.get_absolute_url(), {"lang": "fr"}).content.decode()
    assert "Fermé temporairement" in page and "Fermé pour travaux" in page
    assert re.search(r"Fermé du \d\d/\d\d/\d{4} au \d\d/\d\d/\d{4}", page)
    s.emploi.lieux.update(opening_hours="Lundi et jeudi, 9 h – 12 h")  # as a spreadsheet wrote it: read as a week
    page = client.get(s.emploi.get_absolute_url(), {"lang": "fr"}).content.decode()
    assert re.search(r"<th scope=\"row\">Jeudi</th><td><bdi>09:00–12:00</bdi>", page)
    s.emploi.lieux.update(opening_hours="Sur rendez-vous")  # not readable: shown as written, nothing invented
    page = client.get(s.emploi.get_absolute_url(), {"lang": "fr"}).content.decode()
    assert '<span lang="fr">Sur rendez-vous</span>' in page and "web-week" not in page


@pytest.mark.django_db
def test_ouvert_filter_keeps_actions_open_at_that_time(client):
    s = build_sample()
    s.francais.lieux.update(opening_hours="24/7")
    s.emploi.lieux.update(opening_hours="Mo-Fr 09:00-12:00")
    titles = lambda page: re.findall(r'<h3 class="web-card__title"><a [^>]*>([^<]+)</a>', page)  # noqa: E731
    now = titles(client.get("/recherche/", {"commune": "21166", "ouvert": "maintenant"}).content.decode())
    assert "Cours de français pour adultes" in now
    assert "Apprendre le français en ligne" not in now  # no lieu, no hours: not said to be open
    sunday = titles(client.get("/recherche/", {"commune": "21166", "ouvert": "dimanche"}).content.decode())
    assert "Cours de français pour adultes" in sunday and "Atelier recherche d&#x27;emploi" not in sunday
    monday = titles(client.get("/recherche/", {"commune": "21166", "ouvert": "lundi"}).content.decode())
    assert "Atelier recherche d&#x27;emploi" in monday
    page = client.get("/recherche/", {"commune": "21166"}).content.decode()
    assert "Ouvert maintenant" in page  # the card of the 24/7 lieu says so
