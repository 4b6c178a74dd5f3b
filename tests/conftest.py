"""Every test runs on the real PostGIS of the project's own cluster (scripts/db.sh).

The test database gets the whole geography of France and the theme vocabulary once per session:
territoires are reference data, not test data, and loading them takes a few seconds.
"""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from dispositifs.themes import load_themes
    from territoires.loader import load_territoires

    with django_db_blocker.unblock():
        load_territoires()
        load_themes()
