"""Timing helpers: warm up, repeat, report the median."""

import statistics
import time
import tracemalloc


def median_ms(fn, *, repeat=5, warmup=1):
    """Median wall time of fn() in milliseconds after warm-up runs."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def peak_mb(fn):
    """Peak Python heap (tracemalloc) while fn() runs, in MB."""
    tracemalloc.start()
    try:
        fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / (1024 * 1024)
