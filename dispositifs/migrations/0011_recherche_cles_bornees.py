from django.db import migrations

# recherche_cles (0008) with a bound: intarray's GiST class refuses an array of more than 200 elements
# (a spreadsheet cell listing 200 language codes would have failed the whole import). Such a row gets the
# sentinel 0 and the wildcard 1, which every search asks for beside the hashes it wants: it always passes
# the index, and the filter's SQL fragment decides. Rows of 150 elements or fewer keep the same keys, so
# the index needs no rebuild.
CLES = """
CREATE OR REPLACE FUNCTION recherche_cles(a varchar[]) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
    r int[] := ARRAY[0];
    s text;
BEGIN
    IF cardinality(a) = 0 THEN
        RETURN ARRAY[0, hashtext('')];
    END IF;
    IF cardinality(a) > 150 THEN
        RETURN ARRAY[0, 1];
    END IF;
    FOREACH s IN ARRAY a LOOP
        r := r || hashtext(s);
    END LOOP;
    RETURN r;
END $fn$;
"""

PREVIOUS = CLES.replace("""    IF cardinality(a) > 150 THEN
        RETURN ARRAY[0, 1];
    END IF;
""", "")


class Migration(migrations.Migration):

    dependencies = [
        ('dispositifs', '0010_fewer_write_indexes'),
    ]

    operations = [
        migrations.RunSQL(CLES, PREVIOUS),
    ]
