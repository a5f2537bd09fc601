"""Python's cyclic garbage collector, set for a server process.

A page that evaluates a whole school builds some 20,000 small objects (each pupil's
figures and bands), most of which live until the response is written. At Python's
default settings a collection runs every 700 new objects and looks again at every
object still alive since the last one, and now and then a full collection walks
everything the process holds: Django, the views, the templates. In a profile of
the school analysis (`make bench`) collections were about a tenth of its time, and
a full collection cost 70 ms whenever it fell inside a request.

So gunicorn's master, once Django is loaded and warmed, moves everything it holds
out of the collector's sight (`gc.freeze`: what every worker is forked with is never
collected, and the collector no longer writes to those objects, so fewer of the
pages the workers share are copied), and each worker collects its young objects
every 50,000 new ones instead of every 700 (`PYTHON_GC_THRESHOLD`). Reference
counting still frees at once whatever is not in a cycle: only cyclic garbage
waits, and a cycle that survives a young collection waits for the older
generations' turns (every 10th collection, then every 100th), which come round
after some 500,000 and 5 million new objects. We know of nothing in Trackwell that
keeps large buffers in cycles; `make loadtest` prints each worker's peak memory on
Linux (VmHWM, which counts the pages shared with the master in every worker).

Every bench sets the threshold as a worker does (`bench/run.py`), and the analysis
and trust benches also freeze what they have loaded (`bench/analysis.py`,
`bench/trusts.py`), so they measure what the server runs; `BENCH_GC=default` keeps
Python's own settings there, to compare.
"""

from __future__ import annotations

import gc
import os

DEFAULT_THRESHOLD = 50_000


def threshold_from_environment() -> int:
    """`PYTHON_GC_THRESHOLD`, checked: a positive number of objects (0 would turn the
    collector off)."""
    raw = os.environ.get("PYTHON_GC_THRESHOLD", str(DEFAULT_THRESHOLD))
    try:
        threshold = int(raw)
    except ValueError:
        threshold = 0
    if threshold < 1:
        raise ValueError(f"PYTHON_GC_THRESHOLD must be a positive number of objects, not {raw!r}.")
    return threshold


def freeze_loaded() -> None:
    """Collect once, then leave everything now alive out of every later collection."""
    gc.collect()
    gc.freeze()


def tune(threshold: int | None = None) -> None:
    """Collect the youngest objects every `threshold` new ones (`PYTHON_GC_THRESHOLD`
    when not given); the older generations keep Python's ratios."""
    if threshold is None:
        threshold = threshold_from_environment()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(threshold, older, oldest)
