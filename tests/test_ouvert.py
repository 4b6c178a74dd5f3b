"""The `ouvert` filter (issue #14): declared with the other filters (dispositifs/filters.py APRES), so the
results page and GET /api/v1/recherche/ both take `maintenant`, a French day or a date, answer a bad
value with a French 400, describe it in the OpenAPI schema, and count temporary closures."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from dispositifs.ouverture import Moment, parse_moment
from horaires.models import Fermeture
from tests.browser.sample import build_sample

pytestmark = pytest.mark.django_db
URL = "/api/v1/recherche/"
MONDAY = dt.date(2026, 11, 30)
SUNDAY_EVENING = dt.datetime(2026, 11, 29, 22, 30)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [r["titre"] for r in response.json()["results"]]


@pytest.fixture
def s():
    s = build_sample()
    s.francais.lieux.update(opening_hours="24/7")
    s.emploi.lieux.update(opening_hours="Mo-Fr 09:00-12:00")
    s.sante.lieux.all().delete()  # a coverage without lieu: no hours, never said to be open
    return s


def test_parse_moment():
    assert parse_moment("maintenant", at=SUNDAY_EVENING) == Moment(day=SUNDAY_EVENING.date(), when=SUNDAY_EVENING)
    assert parse_moment("lundi", at=SUNDAY_EVENING) == Moment(day=MONDAY)
    assert parse_moment("Dimanche", at=SUNDAY_EVENING) == Moment(day=SUNDAY_EVENING.date())  # today counts
    assert parse_moment("2026-12-03") == Moment(day=dt.date(2026, 12, 3))
    with pytest.raises(ValueError, match="maintenant, lundi, mardi"):
        parse_moment("demain")


def test_api_keeps_actions_open_at_that_moment(client, s):
    every = titles(client.get(URL, {"commune": "21166"}))
    assert {"Cours de français pour adultes", "Atelier recherche d'emploi", "Permanence d'accès aux soins",
            "Apprendre le français en ligne"} <= set(every)
    assert titles(client.get(URL, {"commune": "21166", "ouvert": "maintenant"})) == ["Cours de français pour adultes"]
    monday = client.get(URL, {"commune": "21166", "ouvert": MONDAY.isoformat()})
    assert titles(monday) == ["Cours de français pour adultes", "Atelier recherche d'emploi"]
    body = monday.json()
    assert body["count"] == 2 and body["next"] is None
    # facettes are those of the kept results, a category counting its sub-themes
    assert body["facettes"]["themes"] == {"lecture-ecriture-calcul": 1,
                                          "lecture-ecriture-calcul--maitriser-le-francais": 1,
                                          "trouver-un-emploi": 1}
    sunday = titles(client.get(URL, {"commune": "21166", "ouvert": "dimanche"}))
    assert sunday == ["Cours de français pour adultes"]
    page2 = client.get(URL, {"commune": "21166", "ouvert": MONDAY.isoformat(), "page_size": 1, "page": 2}).json()
    assert [r["titre"] for r in page2["results"]] == ["Atelier recherche d'emploi"] and page2["count"] == 2
    assert page2["next"] is None and "page=1" in page2["previous"]


def test_closures_count(client, s):
    today = timezone.localdate()
    Fermeture.objects.create(dispositif=s.francais, debut=today, fin=today, message="Fermé pour travaux")
    assert titles(client.get(URL, {"commune": "21166", "ouvert": "maintenant"})) == []
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert "Cours de français pour adultes" in titles(client.get(URL, {"commune": "21166", "ouvert": tomorrow}))
    # one lieu closed, another of the same dispositif open: still open
    lieu = s.francais.lieux.get()
    other = s.francais.lieux.create(commune=lieu.commune, point=lieu.point, opening_hours="24/7", name="Annexe")
    Fermeture.objects.all().delete()
    Fermeture.objects.create(dispositif=s.francais, lieu=lieu, debut=today, fin=today)
    assert titles(client.get(URL, {"commune": "21166", "ouvert": "maintenant"})) == ["Cours de français pour adultes"]
    Fermeture.objects.create(dispositif=s.francais, lieu=other, debut=today, fin=today)
    assert titles(client.get(URL, {"commune": "21166", "ouvert": "maintenant"})) == []


@pytest.mark.parametrize("value", ["demain", "2026-02-30", "now", "1"])
def test_a_bad_value_is_a_french_400(client, s, value):
    r = client.get(URL, {"commune": "21166", "ouvert": value})
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    assert r.json()["parametre"] == "ouvert"
    assert "Valeurs possibles : maintenant, lundi" in r.json()["detail"]
    page = client.get("/recherche/", {"commune": "21166", "ouvert": value, "lang": "fr"})
    assert page.status_code == 400 and "Un filtre n&#x27;est pas valide" in page.content.decode()


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", ""])
def test_calendar_edges_and_blank(client, s, value):
    r = client.get(URL, {"commune": "21166", "ouvert": value})
    assert r.status_code == 200
    assert (r.json()["count"] >= 4) == (value == "")  # blank is absent; the edges find nothing open, no 500


def test_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/recherche/"]["get"]["parameters"]}
    ouvert = params["ouvert"]
    assert ouvert["description"].startswith("maintenant, un jour")
    variants = ouvert["schema"]["anyOf"]
    assert {"type": "string", "format": "date"} in variants
    assert next(v for v in variants if "enum" in v)["enum"][:2] == ["maintenant", "lundi"]


def test_web_page_uses_the_same_declaration(client, s):
    page = client.get("/recherche/", {"commune": "21166", "ouvert": MONDAY.isoformat(), "lang": "fr"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cours de français pour adultes" in html and "Atelier recherche d&#x27;emploi" in html
    assert "Permanence d&#x27;accès aux soins" not in html and "Apprendre le français en ligne" not in html


def test_result_card_says_closed_when_a_closure_covers_today(client, s):
    def statuses():
        page = client.get("/recherche/", {"commune": "21166", "lang": "fr"}).content.decode()
        return re.findall(r'web-card__open"><span [^>]*></span> ([^<]+)</p>', page)

    assert "Ouvert maintenant" in statuses()   # the 24/7 lieu
    today = timezone.localdate()
    Fermeture.objects.create(dispositif=s.francais, debut=today, fin=today)
    assert "Fermé temporairement" in statuses() and "Ouvert maintenant" not in statuses()
