-- The search's side tables are kept by these triggers (docs/ARCHITECTURE.md, "Side tables").
--
-- Re-applied after every migrate by dispositifs.side_tables.apply(): the tables themselves are
-- Django models (dispositifs/side_tables.py) whose filter columns come from dispositifs/filters.py;
-- the markers @NAME@ are filled from the same declaration (column lists and their SQL over the
-- dispositif row `d`), never from data.
--
-- Statement-level triggers with transition tables: a COPY of 100,000 lieux is one INSERT .. SELECT,
-- not 100,000 calls. Every statement on the tables runs through EXECUTE, so it is planned with the
-- tables as they are now (a plan cached while they were empty would probe them row by row forever).
-- Only published dispositifs have rows; `end_date` is compared with the day at search time.
-- Transition tables are only visible in the trigger function itself: it passes their ids as arrays.

-- Lieux rows are written in spatial order (`ORDER BY point::geometry`: PostGIS sorts geometries along a
-- Hilbert curve), so the lieux near a place sit on a few heap pages: the KNN walk of a search fetches
-- each row it visits, and in insertion order (the order of a file) those were as many pages as rows. Measured
-- on the bench data: search statement p50 -0.7 ms, p95 -1.5 ms; a sort of the written rows on imports.
-- Rows updated later stay on their page when it has room (fillfactor 70, side_tables.apply).

-- Rows of the lieux given by `lieux`, from their current dispositif.
CREATE OR REPLACE FUNCTION recherche_insert_lieux(lieux bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE 'INSERT INTO dispositifs_recherche_lieu (lieu_id, dispositif_id, point, national, end_date, @COLUMNS@)
        SELECT l.id, l.dispositif_id, l.point, d.national, d.end_date, @SOURCES@
        FROM dispositifs_lieu l JOIN dispositifs_dispositif d ON d.id = l.dispositif_id
        WHERE d.status = ''publie'' AND l.id = ANY($1)
        ORDER BY l.point::geometry
        ON CONFLICT (lieu_id) DO NOTHING' USING lieux;
END $fn$;

-- The lieux rows of the dispositifs given by `ids`. Only what differs is written: a row whose values
-- are the same is left alone, one whose filter column changed (`free`) is updated in place (HOT: the
-- table leaves room on its pages, the indexed point and keys are unchanged), so a bulk update of
-- contact details costs no GiST work. Into an empty slice (a first import) a plain INSERT.
CREATE OR REPLACE FUNCTION recherche_refresh_lieux(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    present boolean;
BEGIN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM dispositifs_recherche_lieu WHERE dispositif_id = ANY($1))'
        INTO present USING ids;
    IF NOT present THEN
        EXECUTE 'INSERT INTO dispositifs_recherche_lieu (lieu_id, dispositif_id, point, national, end_date, @COLUMNS@)
            SELECT l.id, l.dispositif_id, l.point, d.national, d.end_date, @SOURCES@
            FROM dispositifs_dispositif d JOIN dispositifs_lieu l ON l.dispositif_id = d.id
            WHERE d.status = ''publie'' AND d.id = ANY($1)
            ORDER BY l.point::geometry' USING ids;
        RETURN;
    END IF;
    EXECUTE 'DELETE FROM dispositifs_recherche_lieu r WHERE r.dispositif_id = ANY($1) AND NOT EXISTS (
            SELECT 1 FROM dispositifs_lieu l JOIN dispositifs_dispositif d ON d.id = l.dispositif_id
            WHERE l.id = r.lieu_id AND l.dispositif_id = r.dispositif_id AND d.status = ''publie'')' USING ids;
    EXECUTE 'INSERT INTO dispositifs_recherche_lieu AS t (lieu_id, dispositif_id, point, national, end_date, @COLUMNS@)
        SELECT l.id, l.dispositif_id, l.point, d.national, d.end_date, @SOURCES@
        FROM dispositifs_dispositif d JOIN dispositifs_lieu l ON l.dispositif_id = d.id
        WHERE d.status = ''publie'' AND d.id = ANY($1)
        ORDER BY l.point::geometry
        ON CONFLICT (lieu_id) DO UPDATE SET dispositif_id = EXCLUDED.dispositif_id, point = EXCLUDED.point,
            national = EXCLUDED.national, end_date = EXCLUDED.end_date, @SET@
        WHERE (t.dispositif_id, t.point::bytea, t.national, t.end_date, @OLD@)
            IS DISTINCT FROM (EXCLUDED.dispositif_id, EXCLUDED.point::bytea, EXCLUDED.national, EXCLUDED.end_date, @NEW@)'
        USING ids;
END $fn$;

-- The couverture rows (one per code: c<commune>, d<département>, r<région>, n for national) of
-- the dispositifs given by `ids`; as above, only the rows that differ are written.
CREATE OR REPLACE FUNCTION recherche_refresh_couverture(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE 'WITH fresh AS MATERIALIZED (
            SELECT d.id AS dispositif_id, x.code, x.level, d.title, d.national, d.end_date, @SOURCES@
            FROM (
                SELECT dispositif_id, ''c'' || commune_id, 1 FROM dispositifs_dispositif_communes
                WHERE dispositif_id = ANY($1)
                UNION ALL SELECT dispositif_id, ''d'' || departement_id, 2 FROM dispositifs_dispositif_departements
                WHERE dispositif_id = ANY($1)
                UNION ALL SELECT dispositif_id, ''r'' || region_id, 3 FROM dispositifs_dispositif_regions
                WHERE dispositif_id = ANY($1)
                UNION ALL SELECT id, ''n'', 4 FROM dispositifs_dispositif WHERE national AND id = ANY($1)
            ) x(dispositif_id, code, level) JOIN dispositifs_dispositif d ON d.id = x.dispositif_id
            WHERE d.status = ''publie''),
        gone AS (
            DELETE FROM dispositifs_recherche_couverture r WHERE r.dispositif_id = ANY($1)
            AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.dispositif_id = r.dispositif_id AND f.code = r.code))
        INSERT INTO dispositifs_recherche_couverture AS t
            (dispositif_id, code, level, title, national, end_date, @COLUMNS@)
        SELECT * FROM fresh
        ON CONFLICT (dispositif_id, code) DO UPDATE SET level = EXCLUDED.level, title = EXCLUDED.title,
            national = EXCLUDED.national, end_date = EXCLUDED.end_date, @SET@
        WHERE (t.level, t.title, t.national, t.end_date, @OLD@)
            IS DISTINCT FROM (EXCLUDED.level, EXCLUDED.title, EXCLUDED.national, EXCLUDED.end_date, @NEW@)'
        USING ids;
    INSERT INTO dispositifs_recherche_generation DEFAULT VALUES;
END $fn$;

CREATE OR REPLACE FUNCTION recherche_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM recherche_refresh_lieux(ids);
    PERFORM recherche_refresh_couverture(ids);
END $fn$;

-- The theme slugs of the dispositifs given by `ids` changed (their themes, or a theme's parent):
-- an UPDATE of that column only (the side tables leave room on their pages for HOT updates).
CREATE OR REPLACE FUNCTION recherche_refresh_themes(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE 'UPDATE dispositifs_recherche_lieu r SET themes = t.themes
        FROM (SELECT d.id, @THEMES@ AS themes FROM dispositifs_dispositif d WHERE d.id = ANY($1)) t
        WHERE r.dispositif_id = t.id AND r.themes IS DISTINCT FROM t.themes' USING ids;
    EXECUTE 'UPDATE dispositifs_recherche_couverture r SET themes = t.themes
        FROM (SELECT d.id, @THEMES@ AS themes FROM dispositifs_dispositif d WHERE d.id = ANY($1)) t
        WHERE r.dispositif_id = t.id AND r.themes IS DISTINCT FROM t.themes' USING ids;
    INSERT INTO dispositifs_recherche_generation DEFAULT VALUES;
END $fn$;

CREATE OR REPLACE FUNCTION recherche_refresh_all() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    BEGIN
        TRUNCATE dispositifs_recherche_lieu, dispositifs_recherche_couverture;
    EXCEPTION WHEN object_in_use THEN
        -- The same TRUNCATE statement empties them too (manage.py flush): they cannot be truncated twice.
        DELETE FROM dispositifs_recherche_lieu;
        DELETE FROM dispositifs_recherche_couverture;
    END;
    PERFORM recherche_refresh(ARRAY(SELECT id FROM dispositifs_dispositif));
    ANALYZE dispositifs_recherche_lieu;
    ANALYZE dispositifs_recherche_couverture;
END $fn$;

-- Deferred mode (dispositifs.side_tables.deferred, used by bulk writers such as the import): the
-- triggers only note the changed dispositifs in the temporary table recherche_pending, and one
-- set-based refresh runs at the end instead of one per statement.
CREATE OR REPLACE FUNCTION recherche_deferred() RETURNS boolean LANGUAGE sql STABLE AS $fn$
    SELECT coalesce(current_setting('recherche.deferred', true), '') = 'on'
$fn$;

-- Then each side table is analysed when it never was or its size moved by more than a tenth since
-- (a first import, a big one): a small import or a bulk update leaves that to autovacuum instead
-- of paying ~0.2 s per table.
CREATE OR REPLACE FUNCTION recherche_flush() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    pending boolean;
    side regclass;
    rows bigint;
    estimate real;
BEGIN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM recherche_pending)' INTO pending;
    IF NOT pending THEN
        RETURN;
    END IF;
    EXECUTE 'ANALYZE recherche_pending';
    PERFORM recherche_refresh(ARRAY(SELECT DISTINCT id FROM recherche_pending));
    EXECUTE 'TRUNCATE recherche_pending';
    FOREACH side IN ARRAY ARRAY['dispositifs_recherche_lieu', 'dispositifs_recherche_couverture']::regclass[] LOOP
        EXECUTE format('SELECT count(*) FROM %s', side) INTO rows;
        SELECT reltuples INTO estimate FROM pg_class WHERE oid = side;
        IF estimate < 0 OR abs(rows - estimate) > 0.1 * greatest(estimate, 1000) THEN
            EXECUTE format('ANALYZE %s', side);
        END IF;
    END LOOP;
END $fn$;

-- Trigger functions ----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION recherche_on_dispositif() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF recherche_deferred() THEN
        IF TG_OP = 'DELETE' THEN
            EXECUTE 'INSERT INTO recherche_pending SELECT unnest($1)' USING ARRAY(SELECT id FROM old_rows);
        ELSE
            EXECUTE 'INSERT INTO recherche_pending SELECT unnest($1)' USING ARRAY(SELECT id FROM new_rows);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        EXECUTE 'DELETE FROM dispositifs_recherche_lieu WHERE dispositif_id = ANY($1)'
            USING ARRAY(SELECT id FROM old_rows);
        EXECUTE 'DELETE FROM dispositifs_recherche_couverture WHERE dispositif_id = ANY($1)'
            USING ARRAY(SELECT id FROM old_rows);
        INSERT INTO dispositifs_recherche_generation DEFAULT VALUES;
    ELSE
        PERFORM recherche_refresh(ARRAY(SELECT id FROM new_rows));
    END IF;
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION recherche_on_lieu() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF recherche_deferred() THEN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            EXECUTE 'INSERT INTO recherche_pending SELECT unnest($1)' USING ARRAY(SELECT dispositif_id FROM old_rows);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            EXECUTE 'INSERT INTO recherche_pending SELECT unnest($1)' USING ARRAY(SELECT dispositif_id FROM new_rows);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE 'DELETE FROM dispositifs_recherche_lieu WHERE lieu_id = ANY($1)' USING ARRAY(SELECT id FROM old_rows);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM recherche_insert_lieux(ARRAY(SELECT id FROM new_rows));
    END IF;
    -- A lieu moved or gone changes the maps and exports (maps.stored.data_stamp reads the generation).
    INSERT INTO dispositifs_recherche_generation DEFAULT VALUES;
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION recherche_on_themes() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF recherche_deferred() THEN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            EXECUTE 'INSERT INTO recherche_pending SELECT unnest($1)' USING ARRAY(SELECT dispositif_id FROM old_rows);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            EXECUTE 'INSERT INTO recherche_pending SELECT unnest($1)' USING ARRAY(SELECT dispositif_id FROM new_rows);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM recherche_refresh_themes(ARRAY(SELECT DISTINCT dispositif_id FROM old_rows));
    ELSE
        PERFORM recherche_refresh_themes(ARRAY(SELECT DISTINCT dispositif_id FROM new_rows));
    END IF;
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION recherche_on_couverture() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF recherche_deferred() THEN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            EXECUTE 'INSERT INTO recherche_pending SELECT unnest($1)' USING ARRAY(SELECT dispositif_id FROM old_rows);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            EXECUTE 'INSERT INTO recherche_pending SELECT unnest($1)' USING ARRAY(SELECT dispositif_id FROM new_rows);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM recherche_refresh_couverture(ARRAY(SELECT DISTINCT dispositif_id FROM old_rows));
    ELSE
        PERFORM recherche_refresh_couverture(ARRAY(SELECT DISTINCT dispositif_id FROM new_rows));
    END IF;
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION recherche_on_theme_parent() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.slug = o.slug
               WHERE n.parent_id IS DISTINCT FROM o.parent_id) THEN
        PERFORM recherche_refresh_themes(ARRAY(SELECT DISTINCT dispositif_id FROM dispositifs_dispositif_themes
                                               WHERE theme_id IN (SELECT slug FROM new_rows)));
    END IF;
    INSERT INTO dispositifs_recherche_generation DEFAULT VALUES;
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION recherche_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM recherche_refresh_all();
    RETURN NULL;
END $fn$;

-- The triggers (dispositifs.side_tables.TRIGGERS), dropped and created again on every apply.
@TRIGGERS@
