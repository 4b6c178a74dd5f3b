"""The national slice of a search (dispositifs.recherche_sql.build_national) reads every national
dispositif passing the filters, by title: a partial covering index answers it from the index alone,
already in title order."""

from django.db import migrations

COLUMNS = "status, end_date, free, modality, french_level, age_min, age_max, publics, languages"


class Migration(migrations.Migration):
    dependencies = [("dispositifs", "0002_recherche_indexes")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS dispositif_national_covering ON dispositifs_dispositif (title, id) "
            f"INCLUDE ({COLUMNS}) WHERE national",
            "DROP INDEX IF EXISTS dispositif_national_covering",
        ),
    ]
