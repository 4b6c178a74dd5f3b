"""Running an export statement as `COPY (…) TO STDOUT`, on one connection or split in id ranges
over several (the national files: both cores of the machine, a consistent view of the data).

Serial: the blocks are yielded as PostgreSQL sends them (a streaming response, flat memory).
Parallel: the first range streams on this connection while helper threads COPY the next ranges
into temporary files (disk, not memory), each on its own connection inside the SAME snapshot
(`pg_export_snapshot` / `SET TRANSACTION SNAPSHOT`), then the files follow in order. Inside a
caller's transaction (a test case, an import) the helpers could not see its uncommitted rows:
the export then runs serially.
"""

import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction

CHUNK_BYTES = 256 * 1024  # one write / one HTTP chunk (PostgreSQL sends one message per row)
# The ordered rows of a national export are sorted in memory, not on disk.
SORT_MEMORY = "128MB"
# A web process runs its statements under a few seconds' timeout (settings.DB_STATEMENT_TIMEOUT),
# right for a page, wrong for a COPY that streams a région while the client reads it: cut there, the
# client would get a 200 with half a file. An export's cost is bounded by its territory instead.
STATEMENT_TIMEOUT = "120s"
SNAPSHOT_ID = re.compile(r"^[0-9A-F-]+$")


@dataclass(frozen=True)
class Part:
    """A range of dispositif ids: after < id <= upto (None: unbounded)."""

    after: int | None = None
    upto: int | None = None


WHOLE = Part()
Statement = Callable[[Part], tuple[str, dict]]


def _blocks(cursor, sql: str, params: dict, options: str) -> Iterator[bytes]:
    """COPY (sql) TO STDOUT in CHUNK_BYTES blocks; returns (as a generator) the rows copied."""
    with cursor.copy(f"COPY ({sql}) TO STDOUT WITH ({options})", params) as copy:
        buffer = bytearray()
        for data in copy:
            buffer += data
            if len(buffer) >= CHUNK_BYTES:
                yield bytes(buffer)
                buffer.clear()
        if buffer:
            yield bytes(buffer)
    return cursor.rowcount


class _Spool(threading.Thread):
    """COPY one range into a temporary file on its own connection, inside the given snapshot."""

    def __init__(self, sql: str, params: dict, options: str, snapshot: str):
        super().__init__(daemon=True)
        self.args_ = (sql, params, options)
        self.snapshot = snapshot
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in blocks())
        self.rows = 0
        self.error: BaseException | None = None

    def run(self):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{self.snapshot}'")
                cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'; "
                               f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
                rows = yield_from_into(_blocks(cursor, *self.args_), self.file.write)
                self.rows = rows
        except BaseException as exc:  # re-raised in the caller's thread by blocks()
            self.error = exc
        finally:
            connection.close()  # this thread's own connection

    def blocks(self) -> Iterator[bytes]:
        self.join()
        try:
            if self.error is not None:
                raise self.error
            self.file.seek(0)
            while block := self.file.read(CHUNK_BYTES):
                yield block
        finally:
            self.file.close()


def yield_from_into(generator, write) -> int:
    """Drain a blocks generator into `write`; its return value (the rows copied)."""
    while True:
        try:
            write(next(generator))
        except StopIteration as stop:
            return stop.value


def run_copy(statement: Statement, options: str, counter: list, *, ranges: Callable[[object, int], list[Part]],
             parallel: int = 1) -> Iterator[bytes]:
    """The export's bytes; counter[0] ends as the rows copied. `ranges(cursor, n)` splits the ids
    into n parts of about the same size."""
    serial = parallel <= 1 or connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if serial:
            cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'; SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
            counter[0] = yield from _blocks(cursor, *statement(WHOLE), options)
            return
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'; SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
        parts = ranges(cursor, parallel)
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        assert SNAPSHOT_ID.match(snapshot), snapshot
        helpers = [_Spool(*statement(part), options, snapshot) for part in parts[1:]]
        for helper in helpers:
            helper.start()
        rows = yield from _blocks(cursor, *statement(parts[0]), options)
        for helper in helpers:
            yield from helper.blocks()
            rows += helper.rows
        counter[0] = rows
