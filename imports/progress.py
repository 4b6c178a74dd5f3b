"""A progress bar on a terminal, nothing otherwise (logs and pipes stay clean).

A streamed file's row count is known only at the end: until then the bar counts rows and their rate."""

import sys
import time


class ProgressBar:
    def __init__(self, total: int | None = None, *, stream=None, label: str = "lignes", width: int = 30):
        self.total, self.done, self.label, self.width = total, 0, label, width
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def __call__(self, n: int, total: int | None = None) -> None:
        if total is not None:
            self.total = max(total, 1)
        self.done += n
        rate = self.done / max(time.perf_counter() - self.start, 1e-6)
        if self.total:
            self.done = min(self.total, self.done)
            filled = int(self.width * self.done / self.total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
                              f"{self.label} ({rate:,.0f}/s)")
        else:
            self.stream.write(f"\r{self.done:,} {self.label} lues ({rate:,.0f}/s)".replace(",", " "))
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def progress_for(stdout, total: int | None = None):
    """A ProgressBar when `stdout` is a terminal, else None."""
    stream = getattr(stdout, "_out", stdout)
    if hasattr(stream, "isatty") and stream.isatty():
        return ProgressBar(total, stream=stream)
    return None
