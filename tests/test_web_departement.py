"""The département page (issue #14): actions grouped by theme then commune, with structure names, folded
so the page stays short, and the search's filters (the same parameters as /recherche/)."""

import re

import pytest

from tests.browser.sample import FRANCAIS, build_sample

pytestmark = pytest.mark.django_db


def section(page: str, slug: str) -> str:
    match = re.search(rf'<details class="web-dep-theme"[^>]*>\s*<summary><h2[^>]*id="theme-{slug}".*?</details>', page,
                      re.S)
    return match.group(0) if match else ""


def test_grouped_by_theme_then_commune_with_structures(client):
    build_sample()
    page = client.get("/territoires/departements/21/").content.decode()
    francais = section(page, "lecture-ecriture-calcul")
    assert re.search(r'<span lang="fr">Chenôve</span> <bdi>\(1\)</bdi>', francais)
    assert "Cours de français pour adultes</a> — <span" in francais and "Accueil Réfugiés Côte-d&#x27;Or" in francais
    sante = section(page, "sante")
    assert "Dans tout le territoire" in sante and "Permanence d&#x27;accès aux soins" in sante  # a coverage
    emploi = section(page, "trouver-un-emploi")
    assert '<span lang="fr">Dijon</span>' in emploi


def test_the_search_filters_apply(client):
    build_sample()
    page = client.get("/territoires/departements/21/", {"theme": FRANCAIS}).content.decode()
    assert "1 action locale publiée" in page
    assert section(page, "lecture-ecriture-calcul") and not section(page, "sante")
    assert "<details class=\"web-filters\" open>" in page
    page = client.get("/territoires/departements/21/", {"modalite": "distance"}).content.decode()
    assert "Atelier recherche d&#x27;emploi" in page and "Cours de français pour adultes" not in page  # mixte serves
    assert client.get("/territoires/departements/21/", {"theme": "n-existe-pas"}).status_code == 400


def test_query_count_does_not_grow_with_actions(client, django_assert_max_num_queries):
    from dispositifs.models import Dispositif, Lieu

    s = build_sample()
    lieu = s.francais.lieux.get()
    for i in range(30):
        d = Dispositif.objects.create(title=f"Atelier {i:02d}", status="publie")
        d.themes.set([FRANCAIS])
        Lieu.objects.create(dispositif=d, commune=lieu.commune, point=lieu.point)
    with django_assert_max_num_queries(16):
        assert client.get("/territoires/departements/21/").status_code == 200
