"""The benchmarks sit on top of the apps (bench/ imports them, never the reverse), and each verdict
line they print (figure, target, OK|NON) is what `make bench` gathers into its summary table."""

import ast
from pathlib import Path

from bench.report import Measure, summary_table, verdicts

ROOT = Path(__file__).resolve().parent.parent
APPS = [p.parent.name for p in ROOT.glob("*/apps.py") if p.parent.name != "bench"]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_app_imports_the_benchmarks():
    assert {"annuaire", "dispositifs", "imports", "maps", "territoires"} <= set(APPS)
    offenders = [str(path.relative_to(ROOT)) for app in APPS for path in (ROOT / app).rglob("*.py")
                 if any(m == "bench" or m.startswith("bench.") for m in imported_modules(path))]
    assert offenders == []


def test_measure_prints_its_target_and_verdict():
    fast = Measure("export national csv", 61_234.4, "lignes/s", 50_000)
    slow = Measure("carte France HTML", 1.25, "s", 1.0, higher_is_better=False, digits=2)
    assert fast.ok and fast.line().endswith("(cible >= 50 000) OK") and "61 234" in fast.line()
    assert not slow.ok and slow.line().endswith("(cible <= 1.00) NON")


def test_summary_table_gathers_every_verdict_line(tmp_path):
    (tmp_path / "export.log").write_text("données : 100000\n" + Measure("a", 2, "x", 1).line() + "\n"
                                         + Measure("b", 0, "x", 1).line() + "\n", encoding="utf-8")
    (tmp_path / "search.log").write_text("ratio http_sql = 1.21 (target <= 1.3) OK\n", encoding="utf-8")
    (tmp_path / "maps.log").write_text("Traceback: nothing measured\n", encoding="utf-8")
    assert verdicts("ratio x = 2 (target <= 1.3) NON\nplain line\n") == [("ratio x = 2 (target <= 1.3)", "NON")]
    table = summary_table({name: tmp_path / f"{name}.log" for name in ("search", "export", "maps", "import")})
    assert "ratio http_sql = 1.21 (target <= 1.3)" in table
    assert "2 OK, 1 NON ; sans verdict : maps, import" in table
    assert "charge moyenne" in table
