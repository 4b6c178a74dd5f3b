import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_a_json_404():
    response = Client().get("/api/v1/nulle-part/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "/api/docs/" in response.json()["detail"]


def test_unknown_page_is_still_an_html_404():
    response = Client().get("/pas-de-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_api_crash_is_a_json_500(settings):
    from annuaire import errors

    request = Client().get("/api/v1/dispositifs/").wsgi_request
    response = errors.server_error(request)
    assert response.status_code == 500 and "réessayez" in response.content.decode()
