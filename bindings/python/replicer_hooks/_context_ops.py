"""A Context's calls on itself (rh.h): emit batches (many emits, one
transaction and one sync), its counters, and pausing its claims for a
graceful stop. bind() is called once by the package; Context inherits
ContextOpsMixin."""
import contextlib
import ctypes

from . import _args as _a

_vp, _u64 = ctypes.c_void_p, ctypes.c_uint64
_f = {}


def bind(lib, fn):
    i = ctypes.c_int
    _f.update(
        begin=fn(lib, "rh_emit_batch_begin", i, _vp),
        commit=fn(lib, "rh_emit_batch_commit", i, _vp),
        stats=fn(lib, "rh_ctx_stats", i, _vp, ctypes.POINTER(_u64), ctypes.c_size_t),
        stat_name=fn(lib, "rh_stat_name", ctypes.c_char_p, i),
        pause=fn(lib, "rh_ctx_pause", i, _vp, i),
    )


class ContextOpsMixin:
    """Context's calls on itself (self._ctx, self._check)."""

    @contextlib.contextmanager
    def batch(self):
        """Emits inside the block share one transaction and one sync (on
        SQLite and PostgreSQL; a no-op on the memory store). The block's end
        commits them; an emit that returned is queued, so an exception in
        the block still commits those made before it, then propagates."""
        self._check(_f["begin"](self._ctx))
        try:
            yield self
        finally:
            self._check(_f["commit"](self._ctx))

    def stats(self):
        """The context's counters since it was made: {name: value}
        (events_emitted, deliveries_queued, attempts, outcome_ok, ...)."""
        names = []
        while _f["stat_name"](len(names)) is not None:
            names.append(_f["stat_name"](len(names)).decode())
        out = (_u64 * max(1, len(names)))()
        n = self._check(_f["stats"](self._ctx, out, len(names)))
        return {names[k]: out[k] for k in range(n)}

    def pause(self, paused=True):
        """Claim nothing new (True) or go on (False): for a graceful stop,
        pause, then tick until in_flight() is 0."""
        self._check(_f["pause"](self._ctx, 1 if _a.boolean("paused", paused) else 0))
