"""Import reports: each problem filed under the line the user sees in their spreadsheet."""

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"
REPORT_COLUMNS = ["line", "column", "value", "reason", "severity"]


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
        self.problems.extend(problems)

    def add(self, line, column, value, reason, severity=ERROR, *, cause="", suggestion="") -> None:
        self.problems.append(Problem(line, column, str(value or ""), reason, severity, cause, suggestion))

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
            writer = csv.writer(f)
            writer.writerow(REPORT_COLUMNS)
            for p in self.sorted():
                writer.writerow([p.line if p.line is not None else "", p.column, p.value, p.reason, p.severity])
