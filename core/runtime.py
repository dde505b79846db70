"""The serving process's garbage collector, tuned once the app is built.

A worker holds a large heap that lives as long as the process (modules, mappers, compiled templates, catalogues),
and each request leaves cyclic garbage of its own (ORM objects and their states, the request's context). With
CPython's default thresholds the collector runs several times per page and, every so often, walks that whole
heap: bench/pages_cpu.py measured it at about a fifth of a logged-in page's CPU time. So, when the app is built
(each gunicorn worker builds its own): what exists then moves to the permanent generation, which no collection
walks (gc.freeze), and the youngest generation is collected after GC_GEN0_THRESHOLD allocations instead of 700.
Cycles are still collected, in fewer and larger batches (a few MB at most). Not under tests or debugging, where
many apps are built in one process and freezing each one would keep them all."""

import gc

GC_GEN0_THRESHOLD = 20_000


def tune_garbage_collection(app) -> bool:
    """Freeze what exists and raise the youngest generation's threshold (not when testing or debugging); returns
    whether it did. GC_TUNING=0 in the environment (config) turns it off."""
    if app.testing or app.debug or not app.config.get("GC_TUNING", True):
        return False
    gc.freeze()
    gen0, *older = gc.get_threshold()
    gc.set_threshold(max(gen0, GC_GEN0_THRESHOLD), *older)
    return True
