import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from dispositifs.models import Dispositif, Lieu, Structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispositif():
    structure = Structure.objects.create(name="Français pour tous")
    d = Dispositif.objects.create(title="Cours de FLE", structure=structure, status="publie")
    d.themes.add("lecture-ecriture-calcul--maitriser-le-francais")
    Lieu.objects.create(dispositif=d, commune_id="21166", point=Point(5.0055, 47.2913))
    return d


@pytest.mark.parametrize("name", ["dispositif", "lieu", "structure", "theme", "commune", "departement", "region"])
def test_every_changelist_loads(admin_client, dispositif, name):
    app = "territoires" if name in {"commune", "departement", "region"} else "dispositifs"
    response = admin_client.get(reverse(f"admin:{app}_{name}_changelist"))
    assert response.status_code == 200


def test_dispositif_change_page_has_the_map_widget(admin_client, dispositif):
    response = admin_client.get(reverse("admin:dispositifs_dispositif_change", args=[dispositif.pk]))
    assert response.status_code == 200
    assert b"Cours de FLE" in response.content
    assert b"olwidget" in response.content or b"OLMapWidget" in response.content or b"MapWidget" in response.content


def test_search_on_titles(admin_client, dispositif):
    response = admin_client.get(reverse("admin:dispositifs_dispositif_changelist"), {"q": "fle"})
    assert b"Cours de FLE" in response.content


def test_admin_refuses_a_dispositif_with_no_lieu_and_no_coverage(admin_client):
    url = reverse("admin:dispositifs_dispositif_add")
    data = {"title": "Atelier", "status": "brouillon", "modality": "presentiel", "themes": ["sante"],
            "lieux-TOTAL_FORMS": "0", "lieux-INITIAL_FORMS": "0", "lieux-MIN_NUM_FORMS": "0",
            "lieux-MAX_NUM_FORMS": "1000"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "ni lieu ni couverture" in response.content.decode()
    data["national"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Dispositif.objects.get(title="Atelier").national
