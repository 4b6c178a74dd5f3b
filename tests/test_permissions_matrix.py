"""Each role × action × place (inside its territory, outside, national offer), through the web pages
and the write API alike: "allowed" means the thing happened, "denied" means a 403 and nothing changed."""

import pytest
from django.contrib.auth import get_user_model

from comptes.models import Proposition
from dispositifs.models import Dispositif
from dispositifs.services import payload_of
from tests.comptes_cases import FRANCAIS, build_cases, fast_passwords, payload  # noqa: F401

pytestmark = pytest.mark.django_db

ACTIONS = ["read", "create", "edit", "delete", "publish", "import", "invite"]
WHERE = ["inside", "outside", "national"]
ALL = {(a, w) for a in ACTIONS for w in WHERE}
EXPECTED = {
    "national": ALL - {("import", "national")},
    "operateur": {(a, "inside") for a in ACTIONS},
    "structure": {("read", "inside"), ("create", "inside"), ("edit", "inside"), ("invite", "inside")},
}
USERS = {"national": "national_user", "operateur": "operateur", "structure": "structure"}


def form_data(data: dict) -> dict:
    """The edit form's POST body for a payload (write shape)."""
    cov = data.get("couverture") or {}
    plain = ("resume", "description", "age_min", "age_max", "niveau_francais", "tarif", "inscription", "telephone",
             "courriel", "site_web", "date_debut", "date_fin")
    post = {k: "" if data.get(k) is None else data[k] for k in plain}
    post |= {"titre": data["titre"], "themes": data["themes"], "modalite": data.get("modalite") or "presentiel",
            "publics": data.get("publics") or [], "national": "on" if cov.get("national") else "",
            "departements": ", ".join(cov.get("departements") or []),
            "structure": (data.get("structure") or {}).get("id") or "",
            "lieux-TOTAL_FORMS": str(len(data.get("lieux") or [])), "lieux-INITIAL_FORMS": "0"}
    for n, lieu in enumerate(data.get("lieux") or []):
        commune = lieu["commune"]
        post.update({f"lieux-{n}-id": lieu.get("id") or "", f"lieux-{n}-nom": lieu.get("nom", ""),
                     f"lieux-{n}-commune": commune["code"] if isinstance(commune, dict) else commune})
    return post


@pytest.fixture
def cases():
    return build_cases()


def target(cases, where):
    return {"inside": cases.inside, "outside": cases.outside, "national": cases.nationale}[where]


def create_payload(cases, where):
    if where == "national":
        return payload("Créé national", national=True)
    if where == "outside":
        return payload("Créé à Rennes", commune="35238", structure=cases.rennes)
    return payload("Créé à Dijon", structure=cases.dijon)


def act(client, api, cases, role, action, where) -> bool:
    """Do the action through the web (client) or the API (api); True when it took effect."""
    user = getattr(cases, USERS[role])
    d = target(cases, where)
    token = {"HTTP_AUTHORIZATION": f"Token {cases.tokens[user.email]}"}
    if action == "read":
        r = client.get(f"/espace/dispositifs/{d.pk}/")
        assert r.status_code in (200, 403)
        return r.status_code == 200
    if action == "create":
        data = create_payload(cases, where)
        if api:
            r = client.post("/api/v1/dispositifs/", data, content_type="application/json", **token)
        else:
            r = client.post("/espace/dispositifs/nouveau/", form_data(data))
        created = Dispositif.objects.filter(title=data["titre"], national=data["couverture"]["national"])
        if where == "outside":
            created = created.filter(structure=cases.rennes)
        # 302: the web form of a structure member has no structure field, so it wrote for its own
        assert created.exists() or r.status_code in (200, 302, 400, 403), r.content[:300]
        if api and not created.exists():
            assert r.status_code == 403 and r.json()["detail"]
        return created.exists()
    if action == "edit":
        if api:
            r = client.patch(f"/api/v1/dispositifs/{d.pk}/", {"titre": "Titre modifié"},
                             content_type="application/json", **token)
        else:
            data = payload_of(d)
            data["titre"] = "Titre modifié"
            r = client.post(f"/espace/dispositifs/{d.pk}/modifier/", form_data(data))
        d.refresh_from_db()
        done = d.title == "Titre modifié" or Proposition.objects.filter(dispositif=d, etat="en_attente").exists()
        assert done or r.status_code == 403
        return done
    if action == "delete":
        if api:
            r = client.delete(f"/api/v1/dispositifs/{d.pk}/", **token)
        else:
            r = client.post(f"/espace/dispositifs/{d.pk}/archiver/")
        d.refresh_from_db()
        assert d.status == "archive" or r.status_code == 403
        return d.status == "archive"
    if action == "publish":
        Dispositif.objects.filter(pk=d.pk).update(status="soumis")
        if api:  # an edit through the API publishes when the account may publish
            r = client.patch(f"/api/v1/dispositifs/{d.pk}/", {"resume": "relu"}, content_type="application/json",
                             **token)
        else:
            r = client.post(f"/espace/dispositifs/{d.pk}/publier/")
        d.refresh_from_db()
        assert d.status == "publie" or r.status_code in (202, 403)
        return d.status == "publie"
    if action == "import":  # a web feature (and a command)
        source = {"inside": "ddets-21", "outside": "ddets-35"}[where]
        r = client.get(f"/espace/imports/?source={source}")
        assert r.status_code in (200, 403)
        return r.status_code == 200
    if action == "invite":
        email = f"invite-{role}-{where}@example.org"
        form = {"inside": {"role": "structure", "structure": cases.dijon.pk},
                "outside": {"role": "structure", "structure": cases.rennes.pk},
                "national": {"role": "operateur", "departements": "21, 35"}}[where]
        r = client.post("/espace/inviter/", {"email": email, **form})
        done = get_user_model().objects.filter(email=email).exists()
        assert done or r.status_code == 403
        return done
    raise AssertionError(action)


CASES = [(role, action, where, api) for role in USERS for action in ACTIONS for where in WHERE for api in (False, True)
         if not (api and action in ("read", "import", "invite")) and (action, where) != ("import", "national")]


@pytest.mark.parametrize(("role", "action", "where", "api"), CASES,
                         ids=[f"{r}-{a}-{w}-{'api' if api else 'web'}" for r, a, w, api in CASES])
def test_matrix(client, cases, role, action, where, api):
    if not api:
        client.force_login(getattr(cases, USERS[role]))  # the API is driven by the token alone
    outcome = act(client, api, cases, role, action, where)
    assert outcome == ((action, where) in EXPECTED[role])


def test_read_api_is_public_for_every_role(client, cases):
    for user in (None, cases.operateur, cases.structure):
        headers = {"HTTP_AUTHORIZATION": f"Token {cases.tokens[user.email]}"} if user else {}
        for d in (cases.inside, cases.outside, cases.nationale):
            assert client.get(f"/api/v1/dispositifs/{d.pk}/", **headers).status_code == 200


def test_anonymous_api_writes_are_401(client, cases):
    d = cases.inside
    assert client.post("/api/v1/dispositifs/", payload(), content_type="application/json").status_code == 401
    assert client.patch(f"/api/v1/dispositifs/{d.pk}/", {"titre": "x"},
                        content_type="application/json").status_code == 401
    assert client.delete(f"/api/v1/dispositifs/{d.pk}/").status_code == 401
    assert client.get(f"/api/v1/dispositifs/{d.pk}/").status_code == 200  # reading stays public


def test_anonymous_web_goes_to_login(client, cases):
    r = client.get(f"/espace/dispositifs/{cases.inside.pk}/modifier/")
    assert r.status_code == 302 and r["Location"].startswith("/espace/connexion/")


def test_outside_detail_is_french(client, cases):
    token = cases.tokens[cases.operateur.email]
    r = client.patch(f"/api/v1/dispositifs/{cases.outside.pk}/", {"titre": "x"}, content_type="application/json",
                     HTTP_AUTHORIZATION=f"Token {token}")
    assert r.status_code == 403
    assert r.json() == {"detail": "Ce dispositif est hors de votre territoire : vous ne pouvez pas le modifier."}


def test_a_region_coverage_touching_the_territory_is_editable(client, cases):
    """A dispositif covering Bourgogne-Franche-Comté (27) touches Côte-d'Or: its operator edits it,
    and so does an operator of Doubs (25); one of Ille-et-Vilaine (35) does not."""
    from comptes.permissions import can_edit
    from comptes.services import save_account

    d = Dispositif.objects.create(title="Région BFC", status="publie")
    d.themes.set([FRANCAIS])
    d.regions.set(["27"])
    doubs = save_account("doubs@example.org", role="operateur", departements=["25"])
    bretagne = save_account("ille@example.org", role="operateur", departements=["35"])
    assert can_edit(cases.operateur, d) and can_edit(doubs, d) and not can_edit(bretagne, d)
