"""How every benchmark reports: a figure beside its target, then OK or NON, on one line; and the
`make bench` summary table, read back from those lines.

The contract is the line's end (` OK` or ` NON`), so a benchmark written elsewhere (bench_search)
joins the table by printing its verdicts the same way. The load average goes with the figures:
machines and moments differ by 2x or more.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

VERDICT = re.compile(r"^\s*(?P<what>.+?)\s+(?P<verdict>OK|NON)\s*$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Measure:
    label: str
    value: float
    unit: str
    target: float
    higher_is_better: bool = True
    digits: int = 0

    @property
    def ok(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def line(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        return (f"{self.label:<54} {_number(self.value, self.digits):>12} {self.unit:<7} "
                f"(cible {sign} {_number(self.target, self.digits)}) {'OK' if self.ok else 'NON'}")


def _number(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}".replace(",", " ")


def machine_line() -> str:
    load = os.getloadavg()
    return (f"machine : {os.cpu_count()} CPU, charge moyenne {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
            "(1 / 5 / 15 min ; les chiffres baissent quand d'autres processus occupent les CPU)")


def verdicts(text: str) -> list[tuple[str, str]]:
    """(line without its verdict, "OK"|"NON") for each verdict line of a benchmark's output."""
    found = []
    for raw in text.splitlines():
        match = VERDICT.match(ANSI.sub("", raw).split("\r")[-1])
        if match:
            found.append((match["what"].strip(), match["verdict"]))
    return found


def summary_table(logs: dict[str, Path]) -> str:
    """The table `make bench` ends with: one row per verdict of each benchmark's log."""
    rows, missing = [], []
    for name, path in logs.items():
        try:
            found = verdicts(path.read_text(encoding="utf-8", errors="replace"))
        except FileNotFoundError:
            found = []
        if not found:
            missing.append(name)
        rows += [(name, what, verdict) for what, verdict in found]
    width = max([len(what) for _n, what, _v in rows] + [20])
    out = [f"{'benchmark':<10} {'mesure (valeur, cible)':<{width}}  verdict", "-" * (width + 21)]
    out += [f"{name:<10} {what:<{width}}  {verdict}" for name, what, verdict in rows]
    ok = sum(v == "OK" for _n, _w, v in rows)
    out.append("-" * (width + 21))
    out.append(f"{ok} OK, {len(rows) - ok} NON" + (f" ; sans verdict : {', '.join(missing)}" if missing else ""))
    out.append(machine_line())
    return "\n".join(out)
