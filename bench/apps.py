from django.apps import AppConfig


class BenchConfig(AppConfig):
    """An app only so that its management commands (bench_import, bench_maps, bench_export…) are found."""

    name = "bench"
    verbose_name = "Benchmarks"
