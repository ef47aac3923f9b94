"""Pause Python's cycle collector around bulk parsing that makes many containers and no reference cycles."""

import gc
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused():
    """Run the body with the cycle collector paused; resume it afterwards (also on an error) if it ran before.

    Parsing a spreadsheet or an XML file allocates tens of thousands of young containers (elements, tuples, row
    dicts) that hold no cycles: reference counting frees them all, and the collector's passes, which now and then
    walk every object of the process, find nothing. The pause is process-wide: another thread's cycles wait at
    most the length of one parse. Nested or concurrent pauses are safe: only the one that paused resumes, and a
    pause someone else made is left as it was.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
