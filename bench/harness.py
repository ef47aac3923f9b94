"""Timing helpers: CPU time, interleaved pairs, medians, peak memory and the machine's load."""

import os
import statistics
import time
import tracemalloc


def median_ms(fn, *, repeat=5, warmup=1, clock=time.process_time):
    """Median time of fn() in milliseconds after warm-up runs (CPU time of this process by default)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = clock()
        fn()
        samples.append((clock() - start) * 1000)
    return statistics.median(samples)


def interleaved_ms(runs, *, repeat=5, warmup=1, clock=time.process_time):
    """Median ms of each of several runs measured in turns (A, B, A, B, ...), CPU time by default.

    runs: {name: fn} or {name: (prepare, fn)}; prepare() runs untimed before each fn() (emptying a collection).
    Taking turns spreads a burst of load from elsewhere over every contender alike; CPU time leaves out the time
    another process had the core. Both keep a ratio honest on a shared machine.
    """
    steps = {name: run if isinstance(run, tuple) else (None, run) for name, run in runs.items()}
    samples = {name: [] for name in steps}
    for round_ in range(warmup + repeat):
        for name, (prepare, fn) in steps.items():
            if prepare is not None:
                prepare()
            start = clock()
            fn()
            elapsed = (clock() - start) * 1000
            if round_ >= warmup:
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def peak_mb(fn):
    """Peak Python heap (tracemalloc) while fn() runs, in MB."""
    tracemalloc.start()
    try:
        fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / (1024 * 1024)


def _rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def peak_rss_growth_mb(fn):
    """How far the resident memory rises above where it started while fn() runs, in MB (Linux).

    fn() runs in a forked child, whose high-water mark (ru_maxrss) starts at the parent's size: the rise is what
    fn() needed at its peak, without tracemalloc's bookkeeping (which makes a big request several times slower).
    None where fork or /proc is missing.
    """
    import resource

    if not hasattr(os, "fork") or not os.path.exists("/proc/self/statm"):
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report, leave without running the parent's clean-up
        status = 1
        try:
            os.close(read_end)
            start = _rss_mb()
            fn()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
            os.write(write_end, f"{peak - start:.3f}".encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        answer = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    if status != 0 or not answer:
        raise RuntimeError("de geheugenmeting in het kindproces is mislukt")
    return float(answer)


def load_average():
    """The 1, 5 and 15 minute load averages (None where the system has none)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None
