"""Import reports: each problem filed under the line the user sees in their spreadsheet."""

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"
REPORT_COLUMNS = ["line", "column", "value", "reason", "severity", "cause", "suggestion"]
VALUE_CHARS, REASON_CHARS = 200, 1000  # what a report keeps of a cell and of a reason (ImportProblem sizes)


def clip(text: str, limit: int) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(slots=True)
class Problem:
    line: int | None
    column: str
    value: str
    reason: str
    severity: str = ERROR
    # A short stable code for the kind of problem ("theme-inconnu", "commune-inconnue"...), so reports
    # can group rows by cause; `suggestion` is a value the operator may mean (never applied silently).
    cause: str = ""
    suggestion: str = ""


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    archived: int = 0

    def summary(self) -> str:
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged} rejected={self.rejected}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    def extend(self, problems) -> None:
        """Values are cut here: a report never keeps a 100 KB cell alive for the rest of the run."""
        for p in problems:
            if len(p.value) > VALUE_CHARS:
                p.value = clip(p.value, VALUE_CHARS)
            if len(p.reason) > REASON_CHARS:
                p.reason = clip(p.reason, REASON_CHARS)
            self.problems.append(p)

    def add(self, line, column, value, reason, severity=ERROR, *, cause="", suggestion="") -> None:
        self.extend([Problem(line, column, str(value or ""), reason, severity, cause, suggestion)])

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.line or 0, p.severity != ERROR))

    def as_json(self) -> list[dict]:
        return [asdict(p) for p in self.sorted()]

    def write_csv(self, path: Path) -> None:
        """UTF-8 with BOM so Excel opens the accents right; one row per problem."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            write_problems_csv(f, ((p.line, p.column, p.value, p.reason, p.severity, p.cause, p.suggestion)
                                   for p in self.sorted()))

    def save(self, run) -> int:
        """Store the problems as ImportProblem rows of `run` (COPY: no size limit, ~100k rows/s).
        Runs in its own transaction, after the import's: a dry run keeps its report too."""
        from django.db import connection, transaction

        from .models import ImportProblem

        table = ImportProblem._meta.db_table
        columns = ", ".join(f'"{c}"' for c in ("run_id", "line", "column", "value", "reason", "severity", "cause",
                                                 "suggestion"))  # "column" is an SQL keyword
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE run_id = %s", [run.pk])
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for p in self.sorted():
                    copy.write_row((run.pk, p.line, clip(p.column, 299), clip(p.value, VALUE_CHARS),
                                    clip(p.reason, REASON_CHARS), p.severity, clip(p.cause, 79),
                                    clip(p.suggestion, 299)))
        return len(self.problems)


def write_problems_csv(stream, rows) -> None:
    """The report as CSV (the --report file and the admin download): one row per problem."""
    writer = csv.writer(stream)
    writer.writerow(REPORT_COLUMNS)
    for line, *rest in rows:
        writer.writerow(["" if line is None else line, *rest])
