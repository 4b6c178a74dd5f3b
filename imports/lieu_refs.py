"""The rows that point at a lieu (a temporary closure…) when a bulk update rewrites the lieux of
changed dispositifs (imports.writer._replace_children): noted before, moved to the new lieu after."""

from django.db.models import CASCADE

from dispositifs.models import Lieu

LIEU = Lieu._meta.db_table


def _lieu_references() -> list[tuple[str, str, str]]:
    """(table, primary key, column) of every database foreign key to a lieu whose rows go with it
    (on_delete=CASCADE: a temporary closure…), found from the models: the writer names no app that
    points at lieux."""
    return [(rel.related_model._meta.db_table, rel.related_model._meta.pk.column, rel.field.column)
            for rel in Lieu._meta.related_objects
            if (rel.one_to_many or rel.one_to_one) and rel.field.db_constraint and rel.on_delete is CASCADE]


def hold_references(cursor) -> list[tuple[str, str, str]]:
    """Before the lieux of changed dispositifs are replaced: note, for each row pointing at one of
    them, the lieu's dispositif, commune and address (the foreign keys are deferred to the commit)."""
    held = []
    for n, (table, pk, column) in enumerate(_lieu_references()):
        cursor.execute(f"""
            DROP TABLE IF EXISTS stage_ref_{n}; CREATE TEMP TABLE stage_ref_{n} ON COMMIT DROP AS
            SELECT t.{pk} AS ref, l.dispositif_id, l.commune_id, l.address FROM {table} t JOIN {LIEU} l
                ON l.id = t.{column} WHERE l.dispositif_id IN (SELECT id FROM stage_lieu_changed)""")
        held.append((table, pk, column))
    return held


def move_references(cursor, held) -> None:
    """Point them at the new lieu at the same address in the same commune, else at the dispositif's
    only lieu; a row whose lieu left the file goes with it, as the model's CASCADE says."""
    for n, (table, pk, column) in enumerate(held):
        target = (f"coalesce((SELECT min(l.id) FROM {LIEU} l WHERE l.dispositif_id = s.dispositif_id "
                  f"AND l.commune_id IS NOT DISTINCT FROM s.commune_id AND l.address = s.address), "
                  f"(SELECT min(l.id) FROM {LIEU} l WHERE l.dispositif_id = s.dispositif_id HAVING count(*) = 1))")
        cursor.execute(f"""
            DELETE FROM {table} t USING stage_ref_{n} s WHERE t.{pk} = s.ref AND {target} IS NULL;
            UPDATE {table} t SET {column} = {target} FROM stage_ref_{n} s WHERE t.{pk} = s.ref;
            DROP TABLE stage_ref_{n}""")
