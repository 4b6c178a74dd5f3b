"""The near-me search's side table: one row per lieu with its point and its dispositif's filter columns.

Why: the proximity part of a search walks the lieux' GiST index by distance (KNN `<->`) and keeps
those whose dispositif passes the filters. With the filters on the dispositif, each lieu walked
costs an index probe on the dispositif and an EXISTS on its themes; a selective search (a theme
and a language, 50 km) walks thousands of lieux for a few matches (25-45 ms). With the filter
columns on the row the index points to, the walk filters without joins.

Kept by PostgreSQL triggers, so every writer (admin, API, import COPY, benchdata) keeps it right
without knowing it: statement-level with transition tables, so a bulk COPY of 100,000 lieux costs
one INSERT ... SELECT, not 100,000 trigger calls. `themes` holds the dispositif's own theme slugs:
the search compares it with the expanded theme list (a parent matches its sub-themes) exactly as
the EXISTS on the through table did.
"""

from django.db import migrations

COLUMNS = ("status", "end_date", "national", "free", "modality", "french_level", "age_min", "age_max",
           "publics", "languages")
D_COLS = ", ".join(f"d.{c}" for c in COLUMNS)
SET_COLS = ", ".join(f"{c} = d.{c}" for c in COLUMNS)
THEMES = ("coalesce((SELECT array_agg(dt.theme_id::varchar ORDER BY dt.theme_id) FROM dispositifs_dispositif_themes dt "
          "WHERE dt.dispositif_id = d.id), '{}')")

CREATE = f"""
CREATE TABLE dispositifs_lieu_recherche (
    lieu_id bigint PRIMARY KEY,
    dispositif_id bigint NOT NULL,
    point geography(Point, 4326) NOT NULL,
    status varchar,
    end_date date,
    national boolean,
    free boolean,
    modality varchar,
    french_level varchar,
    age_min integer,
    age_max integer,
    publics varchar[],
    languages varchar[],
    themes varchar[] NOT NULL
);
CREATE INDEX lieu_recherche_point ON dispositifs_lieu_recherche USING gist (point);
CREATE INDEX lieu_recherche_dispositif ON dispositifs_lieu_recherche (dispositif_id);

CREATE FUNCTION lieu_recherche_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dispositifs_lieu_recherche
    SELECT n.id, n.dispositif_id, n.point, {D_COLS}, {THEMES}
    FROM new_rows n JOIN dispositifs_dispositif d ON d.id = n.dispositif_id
    ON CONFLICT (lieu_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION lieu_recherche_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dispositifs_lieu_recherche r USING old_rows o WHERE r.lieu_id = o.id;
    INSERT INTO dispositifs_lieu_recherche
    SELECT n.id, n.dispositif_id, n.point, {D_COLS}, {THEMES}
    FROM new_rows n JOIN dispositifs_dispositif d ON d.id = n.dispositif_id
    ON CONFLICT (lieu_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION lieu_recherche_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dispositifs_lieu_recherche r USING old_rows o WHERE r.lieu_id = o.id;
    RETURN NULL;
END $$;

CREATE FUNCTION lieu_recherche_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE dispositifs_lieu_recherche;
    RETURN NULL;
END $$;

CREATE FUNCTION lieu_recherche_dispositif() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dispositifs_lieu_recherche r SET {SET_COLS}
    FROM new_rows d WHERE r.dispositif_id = d.id;
    RETURN NULL;
END $$;

CREATE FUNCTION lieu_recherche_themes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE dispositifs_lieu_recherche r SET themes = {THEMES.replace("d.id", "r.dispositif_id")}
        WHERE r.dispositif_id IN (SELECT dispositif_id FROM old_rows);
    ELSE
        UPDATE dispositifs_lieu_recherche r SET themes = {THEMES.replace("d.id", "r.dispositif_id")}
        WHERE r.dispositif_id IN (SELECT dispositif_id FROM new_rows);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER lieu_recherche_insert AFTER INSERT ON dispositifs_lieu
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lieu_recherche_insert();
CREATE TRIGGER lieu_recherche_update AFTER UPDATE ON dispositifs_lieu
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lieu_recherche_update();
CREATE TRIGGER lieu_recherche_delete AFTER DELETE ON dispositifs_lieu
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lieu_recherche_delete();
CREATE TRIGGER lieu_recherche_truncate AFTER TRUNCATE ON dispositifs_lieu
    FOR EACH STATEMENT EXECUTE FUNCTION lieu_recherche_truncate();
CREATE TRIGGER lieu_recherche_dispositif AFTER UPDATE ON dispositifs_dispositif
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lieu_recherche_dispositif();
CREATE TRIGGER lieu_recherche_themes_insert AFTER INSERT ON dispositifs_dispositif_themes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lieu_recherche_themes();
CREATE TRIGGER lieu_recherche_themes_update AFTER UPDATE ON dispositifs_dispositif_themes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lieu_recherche_themes();
CREATE TRIGGER lieu_recherche_themes_delete AFTER DELETE ON dispositifs_dispositif_themes
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lieu_recherche_themes();

INSERT INTO dispositifs_lieu_recherche
SELECT l.id, l.dispositif_id, l.point, {D_COLS}, {THEMES}
FROM dispositifs_lieu l JOIN dispositifs_dispositif d ON d.id = l.dispositif_id;
ANALYZE dispositifs_lieu_recherche;
"""

DROP = """
DROP TRIGGER IF EXISTS lieu_recherche_insert ON dispositifs_lieu;
DROP TRIGGER IF EXISTS lieu_recherche_update ON dispositifs_lieu;
DROP TRIGGER IF EXISTS lieu_recherche_delete ON dispositifs_lieu;
DROP TRIGGER IF EXISTS lieu_recherche_truncate ON dispositifs_lieu;
DROP TRIGGER IF EXISTS lieu_recherche_dispositif ON dispositifs_dispositif;
DROP TRIGGER IF EXISTS lieu_recherche_themes_insert ON dispositifs_dispositif_themes;
DROP TRIGGER IF EXISTS lieu_recherche_themes_update ON dispositifs_dispositif_themes;
DROP TRIGGER IF EXISTS lieu_recherche_themes_delete ON dispositifs_dispositif_themes;
DROP FUNCTION IF EXISTS lieu_recherche_insert(), lieu_recherche_update(), lieu_recherche_delete(),
    lieu_recherche_truncate(), lieu_recherche_dispositif(), lieu_recherche_themes();
DROP TABLE IF EXISTS dispositifs_lieu_recherche;
"""


class Migration(migrations.Migration):
    dependencies = [("dispositifs", "0003_national_covering")]

    operations = [migrations.RunSQL(CREATE, DROP)]
