from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Load data and measurement helpers for the benchmarks in bench/. No models; nothing imports it."""

    name = "svtoolkit.bench"
    label = "bench"
    verbose_name = "Benchmarks"
