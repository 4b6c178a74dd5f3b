"""BAN geocoding through geopy against a loopback server with recorded answers; and the fall-back
to the offline gazetteer when the network fails. Nothing here reaches the internet."""

import pytest

from dispositifs.models import Dispositif
from imports.models import GeocodeCache
from imports.services import import_file
from territoires.models import Commune
from tests.ban_server import BanServer, unused_port_url
from tests.import_files import write_csv

pytestmark = pytest.mark.django_db
HEADER = ["Intitulé", "Thématique", "Adresse", "Code postal", "Commune"]
ROWS = [
    ["FLE Lyon", "FLE", "12 rue de la République", "69002", "Lyon"],             # housenumber -> adresse
    ["Droits Dijon", "Droits", "45 rue de la Liberté", "21000", "Dijon"],          # housenumber -> adresse
    ["Logement Bourg", "Logement", "avenue Alsace-Lorraine", "1000", "Bourg-en-Bresse"],  # street -> rue
    ["Santé Dijon", "Santé", "8 rue des Jardins Oubliés", "21000", "Dijon"],      # municipality only -> commune
    ["Emploi Dijon", "Emploi", "2 place Bellecour", "21000", "Dijon"],             # BAN says Lyon -> commune
    ["Sans adresse", "Emploi", "", "21000", "Dijon"],                              # nothing to ask
    ["Inconnue", "Emploi", "1 impasse Nulle Part", "21000", "Dijon"],              # no feature -> commune
]


@pytest.fixture
def ban(settings):
    with BanServer() as server:
        settings.GEOCODER = "ban"
        settings.BAN_URL = server.url
        settings.BAN_TIMEOUT = 0.5
        yield server


def _lieux():
    return {d.title: d.lieux.get() for d in Dispositif.objects.filter(source="s").prefetch_related("lieux")}


def _reasons(result):
    return {p.line: p.reason for p in result.report.warnings}


def test_ban_refines_points_and_caches_answers(tmp_path, ban):
    path = write_csv(tmp_path / "f.csv", ROWS, header=HEADER)
    result = import_file(path, source="s")
    assert result.summary() == "created=7 updated=0 unchanged=0 rejected=0"
    lieux = _lieux()
    assert lieux["FLE Lyon"].precision == "adresse"
    assert (round(lieux["FLE Lyon"].point.x, 6), round(lieux["FLE Lyon"].point.y, 6)) == (4.836308, 45.762041)
    assert lieux["FLE Lyon"].commune_id == "69123"  # BAN citycode 69382 is an arrondissement of Lyon
    assert lieux["Droits Dijon"].precision == "adresse"
    assert lieux["Logement Bourg"].precision == "rue" and lieux["Logement Bourg"].postal_code == "01000"
    dijon = Commune.objects.get(code="21231").centre
    for title in ("Santé Dijon", "Emploi Dijon", "Sans adresse", "Inconnue"):
        assert lieux[title].precision == "commune"
        assert (lieux[title].point.x, lieux[title].point.y) == pytest.approx((dijon.x, dijon.y))
    reasons = _reasons(result)
    assert "faible précision" in reasons[5] and "autre commune" in reasons[6] and "non trouvée" in reasons[8]
    assert len(ban.requests) == 6 and ban.requests[0] == "12 rue de la République 69002 Lyon"
    assert GeocodeCache.objects.count() == 6 and GeocodeCache.objects.filter(found=False).count() == 1

    again = import_file(path, source="s")  # answers come from the cache: no request at all
    assert again.summary() == "created=0 updated=0 unchanged=7 rejected=0" and len(ban.requests) == 6


@pytest.mark.parametrize("failure", ["500", "slow", "down"])
def test_network_failure_falls_back_to_the_commune(tmp_path, ban, settings, failure):
    if failure == "down":
        settings.BAN_URL = unused_port_url()
    else:
        ban.mode = failure
    result = import_file(write_csv(tmp_path / "f.csv", ROWS[:2], header=HEADER), source="s")
    assert result.summary() == "created=2 updated=0 unchanged=0 rejected=0" and result.exit_code == 0
    lieux = _lieux()
    assert {lieu.precision for lieu in lieux.values()} == {"commune"}
    assert lieux["FLE Lyon"].commune_id == "69123"
    assert all("géocodeur BAN indisponible" in r for r in _reasons(result).values()) and len(_reasons(result)) == 2
    assert not GeocodeCache.objects.exists()  # failures are not cached: the next run asks again


def test_stops_asking_after_repeated_failures(tmp_path, ban):
    ban.mode = "500"
    rows = [[f"Action {i}", "FLE", f"{i} rue de la Liberté", "21000", "Dijon"] for i in range(1, 9)]
    result = import_file(write_csv(tmp_path / "f.csv", rows, header=HEADER), source="s")
    assert result.counts.created == 8 and len(result.report.warnings) == 8
    assert len(ban.requests) == 3  # three failures in a row, then the run stops asking


def test_offline_by_default_never_calls_ban(tmp_path, settings):
    with BanServer() as server:
        settings.BAN_URL = server.url  # GEOCODER stays "offline"
        import_file(write_csv(tmp_path / "f.csv", ROWS[:1], header=HEADER), source="s")
        assert server.requests == []
    assert _lieux()["FLE Lyon"].precision == "commune"
