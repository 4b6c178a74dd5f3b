"""Indexes for the near-me search (dispositifs.recherche_sql).

A covering index on the dispositif: the search checks the filters of every candidate lieu's
dispositif (status, dates, public, languages, ages, price, modality, French level); with the
columns in the index those checks are index-only probes instead of heap visits. And the lieux
of a dispositif with their points: the nearest lieu of each coverage match, index-only too.
Raw SQL with empty state operations: the index serves one raw statement, not the ORM.
"""

from django.db import migrations

COLUMNS = ("status, end_date, national, free, modality, french_level, age_min, age_max, publics, languages, "
           "title")


class Migration(migrations.Migration):
    dependencies = [("dispositifs", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS dispositif_recherche_covering ON dispositifs_dispositif (id) "
            f"INCLUDE ({COLUMNS})",
            "DROP INDEX IF EXISTS dispositif_recherche_covering",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS lieu_dispositif_point ON dispositifs_lieu (dispositif_id) INCLUDE (point)",
            "DROP INDEX IF EXISTS lieu_dispositif_point",
        ),
    ]
