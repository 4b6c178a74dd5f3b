"""The search's facettes side table: per dispositif, its theme slugs and their parents, distinct.

Why: `facettes` counts the results per theme, a parent counting the dispositifs of its sub-themes.
Joining every result (500 to 1,500 in a city) to the through table and the theme table took half
of a typical search; with the slugs on one row per dispositif it is an index probe and an unnest.
Kept by statement-level triggers on the through table (bulk COPY safe) and on the theme table
(a theme moved to another parent: rare, everything is recomputed).
"""

from django.db import migrations

REFRESH = """
    DELETE FROM dispositifs_dispositif_facettes f WHERE f.dispositif_id IN ({ids});
    INSERT INTO dispositifs_dispositif_facettes
    SELECT dt.dispositif_id, array_agg(DISTINCT v.slug)
    FROM dispositifs_dispositif_themes dt
    JOIN dispositifs_theme t ON t.slug = dt.theme_id
    CROSS JOIN LATERAL (VALUES (t.slug), (t.parent_id)) v(slug)
    WHERE v.slug IS NOT NULL AND dt.dispositif_id IN ({ids})
    GROUP BY dt.dispositif_id;
"""

CREATE = f"""
CREATE TABLE dispositifs_dispositif_facettes (
    dispositif_id bigint PRIMARY KEY,
    slugs varchar[] NOT NULL
);

CREATE FUNCTION dispositif_facettes_themes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        {REFRESH.format(ids="SELECT dispositif_id FROM old_rows")}
    ELSE
        {REFRESH.format(ids="SELECT dispositif_id FROM new_rows")}
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION dispositif_facettes_parents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.slug = o.slug
               WHERE n.parent_id IS DISTINCT FROM o.parent_id) THEN
        {REFRESH.format(ids="SELECT dispositif_id FROM dispositifs_dispositif_themes")}
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION dispositif_facettes_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE dispositifs_dispositif_facettes;
    RETURN NULL;
END $$;

CREATE TRIGGER dispositif_facettes_insert AFTER INSERT ON dispositifs_dispositif_themes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dispositif_facettes_themes();
CREATE TRIGGER dispositif_facettes_update AFTER UPDATE ON dispositifs_dispositif_themes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dispositif_facettes_themes();
CREATE TRIGGER dispositif_facettes_delete AFTER DELETE ON dispositifs_dispositif_themes
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dispositif_facettes_themes();
CREATE TRIGGER dispositif_facettes_truncate AFTER TRUNCATE ON dispositifs_dispositif_themes
    FOR EACH STATEMENT EXECUTE FUNCTION dispositif_facettes_truncate();
CREATE TRIGGER dispositif_facettes_parents AFTER UPDATE ON dispositifs_theme
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION dispositif_facettes_parents();

{REFRESH.format(ids="SELECT dispositif_id FROM dispositifs_dispositif_themes")}
ANALYZE dispositifs_dispositif_facettes;
"""

DROP = """
DROP TRIGGER IF EXISTS dispositif_facettes_insert ON dispositifs_dispositif_themes;
DROP TRIGGER IF EXISTS dispositif_facettes_update ON dispositifs_dispositif_themes;
DROP TRIGGER IF EXISTS dispositif_facettes_delete ON dispositifs_dispositif_themes;
DROP TRIGGER IF EXISTS dispositif_facettes_truncate ON dispositifs_dispositif_themes;
DROP TRIGGER IF EXISTS dispositif_facettes_parents ON dispositifs_theme;
DROP FUNCTION IF EXISTS dispositif_facettes_themes(), dispositif_facettes_parents(), dispositif_facettes_truncate();
DROP TABLE IF EXISTS dispositifs_dispositif_facettes;
"""


class Migration(migrations.Migration):
    dependencies = [("dispositifs", "0004_lieu_recherche")]

    operations = [migrations.RunSQL(CREATE, DROP)]
