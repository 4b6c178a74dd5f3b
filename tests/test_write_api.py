"""The write API: a producer syncs by program with its token, sending the JSON the read API returns."""

from datetime import date

import pytest

from dispositifs.models import Dispositif
from tests.comptes_cases import FRANCAIS, build_cases, fast_passwords  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    return build_cases()


def auth(c, user=None):
    return {"HTTP_AUTHORIZATION": f"Token {c.tokens[(user or c.operateur).email]}"}


NEW = {
    "titre": "Atelier numérique", "themes": [FRANCAIS, "numerique"], "publics": ["bpi", "femmes"],
    "telephone": "03.80.11.22.33", "courriel": "Contact@Example.org", "age_min": 16, "age_max": 25,
    "couverture": {"national": False, "departements": ["21"], "communes": ["21166"]},
    "lieux": [{"nom": "Médiathèque", "adresse": "1 place Darcy", "code_postal": "21000", "commune": "21231",
               "lat": 47.3226, "lon": 5.0331}],
    "id": 999, "url": "ignored", "derniere_verification": "2001-01-01",
}


def test_create_read_back_and_round_trip(client, c):
    r = client.post("/api/v1/dispositifs/", NEW, content_type="application/json", **auth(c))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["statut"] == "publie" and body["id"] != 999
    assert body["telephone"] == "03 80 11 22 33" and body["courriel"] == "contact@example.org"  # validation.py
    assert body["couverture"] == {"national": False, "regions": [], "departements": ["21"], "communes": ["21166"],
                                  "epci": []}
    assert body["lieux"][0]["commune"] == {"code": "21231", "nom": "Dijon"} and body["lieux"][0]["lat"] == 47.3226
    assert body["derniere_verification"] == date.today().isoformat()
    d = Dispositif.objects.get(pk=body["id"])
    assert sorted(d.themes.values_list("slug", flat=True)) == sorted([FRANCAIS, "numerique"])
    record = d.history.latest()
    assert record.history_user == c.operateur and record.history_change_reason == "api"
    # what GET returns can be PUT back as it is: nothing changes, the lieu keeps its id, and what the
    # read shape leaves out (protection statuses, opening hours) is kept
    Dispositif.objects.filter(pk=d.pk).update(protection_statuses=["refugie"])
    d.lieux.update(opening_hours="Mo-Fr 09:00-12:00")
    read = client.get(f"/api/v1/dispositifs/{d.pk}/").json()
    lieu_id = read["lieux"][0]["id"]
    r = client.put(f"/api/v1/dispositifs/{d.pk}/", read, content_type="application/json", **auth(c))
    assert r.status_code == 200, r.content
    again = client.get(f"/api/v1/dispositifs/{d.pk}/").json()
    assert again == read and again["lieux"][0]["id"] == lieu_id
    d.refresh_from_db()
    assert d.protection_statuses == ["refugie"] and d.lieux.get().opening_hours == "Mo-Fr 09:00-12:00"


def test_patch_changes_only_what_it_names(client, c):
    d = c.inside
    r = client.patch(f"/api/v1/dispositifs/{d.pk}/", {"resume": "Le mardi soir", "gratuit": True},
                     content_type="application/json", **auth(c))
    assert r.status_code == 200
    d.refresh_from_db()
    assert (d.summary, d.free, d.title, d.lieux.count()) == ("Le mardi soir", True, "Cours à Dijon", 1)
    r = client.patch(f"/api/v1/dispositifs/{d.pk}/", {"lieux": []}, content_type="application/json", **auth(c))
    assert r.status_code == 400  # no lieu, no coverage: nobody could find it
    assert r.json()["erreurs"]["couverture"] == [
        "ni lieu ni couverture : indiquez une adresse, une zone d'intervention ou « National »"]


@pytest.mark.parametrize(("change", "key", "words"), [
    ({"themes": ["cuisine-moleculaire"]}, "themes", "thème inconnu"),
    ({"age_min": 30, "age_max": 20}, "age_min", "supérieur"),
    ({"telephone": "appelez-nous"}, "telephone", "illisible"),
    ({"lieux": [{"commune": "99999"}]}, "lieux.1", "commune inconnue"),
    ({"couverture": {"departements": ["21", "XX"]}}, "couverture.departements", "code inconnu"),
    ({"date_debut": "31/12/2026"}, "date_debut", "AAAA-MM-JJ"),
])
def test_invalid_data_is_a_400_in_french(client, c, change, key, words):
    r = client.post("/api/v1/dispositifs/", {**NEW, **change}, content_type="application/json", **auth(c))
    assert r.status_code == 400
    assert words in " ".join(r.json()["erreurs"][key]) and words in r.json()["detail"]
    assert not Dispositif.objects.filter(title=NEW["titre"]).exists()


def test_delete_archives_and_keeps_history(client, c):
    r = client.delete(f"/api/v1/dispositifs/{c.inside.pk}/", **auth(c))
    assert r.status_code == 204
    c.inside.refresh_from_db()
    assert c.inside.status == "archive"
    assert client.get(f"/api/v1/dispositifs/{c.inside.pk}/").status_code == 404
    assert c.inside.history.latest().history_change_reason == "api"


def test_structure_member_edit_waits_for_moderation(client, c):
    r = client.patch(f"/api/v1/dispositifs/{c.inside.pk}/", {"titre": "Cours du soir"},
                     content_type="application/json", **auth(c, c.structure))
    assert r.status_code == 202
    assert client.get(f"/api/v1/dispositifs/{c.inside.pk}/").json()["titre"] == "Cours à Dijon"  # public unchanged
    r = client.post("/api/v1/dispositifs/", {**NEW, "couverture": {}, "structure": None},
                    content_type="application/json", **auth(c, c.structure))
    assert r.status_code == 201 and r.json()["statut"] == "soumis"
    assert Dispositif.objects.get(pk=r.json()["id"]).structure == c.dijon  # written for its structure


def test_bad_token_is_401(client, c):
    r = client.post("/api/v1/dispositifs/", NEW, content_type="application/json", HTTP_AUTHORIZATION="Token nope")
    assert r.status_code == 401


def test_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    item = schema["paths"]["/api/v1/dispositifs/{id}/"]
    assert {"get", "put", "patch", "delete"} <= set(item)
    assert "post" in schema["paths"]["/api/v1/dispositifs/"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    assert {"401", "403"} <= set(item["patch"]["responses"])
