"""Content translations (issue #14): machine drafts from a LibreTranslate-compatible API (a real server on
loopback), reviewed by a traducteur of that language in the side-by-side screen, shown on the public pages
(reviewed, else the draft marked, else French) with "voir en français"."""

import re

import pytest
from django.contrib.auth.models import User

from tests.browser.sample import build_sample
from tests.translate_server import TranslateServer
from traductions import services
from traductions.client import TranslationUnavailable, translate
from traductions.models import Statut, Traducteur, Traduction

pytestmark = pytest.mark.django_db


@pytest.fixture
def libretranslate(settings):
    with TranslateServer() as server:
        settings.TRANSLATE_URL = server.url
        yield server


def test_off_by_default(settings):
    settings.TRANSLATE_URL = ""
    with pytest.raises(TranslationUnavailable):
        translate(["Bonjour"], target="ar")


def test_machine_drafts_are_shown_marked_with_a_way_back_to_french(client, libretranslate):
    s = build_sample()
    assert services.machine_drafts(s.francais, langues=["ar"]) == 4  # title, summary, description, registration
    assert libretranslate.requests[0]["target"] == "ar" and libretranslate.requests[0]["source"] == "fr"
    assert services.machine_drafts(s.francais, langues=["ar"]) == 0  # nothing changed: nothing asked
    page = client.get(s.francais.get_absolute_url(), {"lang": "ar"}).content.decode()
    assert '<h1 lang="ar">«ar» Cours de français pour adultes</h1>' in page
    assert "ترجمة آلية" in page  # "machine translation"
    assert re.search(r'href="\?lang=ar&amp;vo=fr" hreflang="fr">العرض بالفرنسية</a>', page)
    french = client.get(s.francais.get_absolute_url(), {"lang": "ar", "vo": "fr"}).content.decode()
    assert '<h1 lang="fr">Cours de français pour adultes</h1>' in french
    results = client.get("/recherche/", {"commune": "21166", "lang": "ar"}).content.decode()
    assert 'lang="ar">«ar» Cours de français pour adultes</a>' in results
    assert "«ar»" not in client.get(s.francais.get_absolute_url(), {"lang": "fr"}).content.decode()


def test_a_traducteur_reviews_side_by_side_and_sees_what_changed_in_french(client, libretranslate):
    s = build_sample()
    services.machine_drafts(s.francais, langues=["ps"])
    reviewer = User.objects.create_user("traductrice", password="x")
    Traducteur.objects.create(user=reviewer, langues=["ps"])
    url = f"/traductions/{s.francais.pk}/ps/"
    assert client.get(url).status_code == 302  # to the login
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "brouillon automatique" in page and 'lang="ps" dir="rtl"' in page
    assert client.get(f"/traductions/{s.francais.pk}/ar/").status_code == 403  # not her language
    client.post(url, {"title": "د لویانو لپاره د فرانسوي ژبې ټولګي", "summary": "", "description": "",
                      "registration": "", "price": ""})
    title = Traduction.objects.get(dispositif=s.francais, langue="ps", champ="title")
    assert title.statut == Statut.RELU and title.relu_par == reviewer
    assert Traduction.objects.get(dispositif=s.francais, langue="ps", champ="summary").statut == Statut.MACHINE
    public = client.get(s.francais.get_absolute_url(), {"lang": "ps"}).content.decode()
    assert '<h1 lang="ps">د لویانو لپاره د فرانسوي ژبې ټولګي</h1>' in public
    # French changes: the old translation is not shown any more, and the screen shows the difference.
    s.francais.title = "Cours de français pour adultes débutants"
    s.francais.save()
    public = client.get(s.francais.get_absolute_url(), {"lang": "ps"}).content.decode()
    assert '<h1 lang="fr">Cours de français pour adultes débutants</h1>' in public
    page = client.get(url).content.decode()
    assert "<ins>débutants</ins>" in page
    assert services.machine_drafts(s.francais, langues=["ps"]) == 1  # only the changed field is asked again


def test_someone_without_the_role_cannot_translate(client):
    s = build_sample()
    client.force_login(User.objects.create_user("visiteur", password="x"))
    assert client.get("/traductions/").status_code == 403
    assert client.get(f"/traductions/{s.francais.pk}/ar/").status_code == 403


def test_command_writes_drafts_for_published_dispositifs(libretranslate):
    from django.core.management import call_command

    build_sample()
    summary = call_command("traduire", "--langue", "ti")
    assert summary.startswith("drafts=") and "failed=0" in summary
    assert Traduction.objects.filter(langue="ti", dispositif__status="publie").count() >= 4
    assert not Traduction.objects.filter(dispositif__status="brouillon").exists()
