"""A progress bar on a terminal, nothing otherwise (logs and pipes stay clean)."""

import sys
import time


class ProgressBar:
    def __init__(self, total: int, *, stream=None, label: str = "lignes", width: int = 30):
        self.total, self.done, self.label, self.width = max(total, 1), 0, label, width
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def __call__(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        filled = int(self.width * self.done / self.total)
        rate = self.done / max(time.perf_counter() - self.start, 1e-6)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
                          f"{self.label} ({rate:,.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def progress_for(stdout, total: int):
    """A ProgressBar when `stdout` is a terminal, else None."""
    stream = getattr(stdout, "_out", stdout)
    if hasattr(stream, "isatty") and stream.isatty():
        return ProgressBar(total, stream=stream)
    return None
