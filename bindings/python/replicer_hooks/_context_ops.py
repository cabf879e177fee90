"""A Context's calls on itself (rh.h): emit batches (many emits, one
transaction and one sync), its counters, the queue's figures as the store
holds them for every process, and pausing its claims for a graceful stop. bind() is called once by the package; Context inherits
ContextOpsMixin."""
import contextlib
import ctypes

from . import _args as _a

_vp, _u64 = ctypes.c_void_p, ctypes.c_uint64
_f = {}
_GROUPS = {"total": 0, "endpoint": 1, "tenant": 2}  # rh_queue_group
_FIGURES_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p,
                               ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t, _vp)
_FIGURE_NAMES = []
_STAT_NAMES = []  # by rh_stat, named by the library at bind()
_STATS_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(_u64),
                             ctypes.c_size_t, _vp)


def bind(lib, fn):
    i = ctypes.c_int
    _f.update(
        begin=fn(lib, "rh_emit_batch_begin", i, _vp),
        commit=fn(lib, "rh_emit_batch_commit", i, _vp),
        stats=fn(lib, "rh_ctx_stats", i, _vp, ctypes.POINTER(_u64), ctypes.c_size_t),
        stat_name=fn(lib, "rh_stat_name", ctypes.c_char_p, i),
        pause=fn(lib, "rh_ctx_pause", i, _vp, i),
        figures=fn(lib, "rh_queue_figures", i, _vp, i, ctypes.c_int64, _FIGURES_CB, _vp),
        stats_by=fn(lib, "rh_ctx_stats_by", i, _vp, i, _STATS_CB, _vp),
    )
    for names, name_of in ((_STAT_NAMES, _f["stat_name"]),
                           (_FIGURE_NAMES, fn(lib, "rh_queue_figure_name",
                                              ctypes.c_char_p, i))):
        while name_of(len(names)) is not None:
            names.append(name_of(len(names)).decode())


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
        names = _STAT_NAMES
        out = (_u64 * max(1, len(names)))()
        n = self._check(_f["stats"](self._ctx, out, len(names)))
        return {names[k]: out[k] for k in range(n)}

    def stats_by(self, group="endpoint"):
        """The context's counters per endpoint ("endpoint") or per tenant
        ("tenant") it has attempted: {key: {name: value}}, the names as
        stats() has them (a tenant's key "" is no tenant)."""
        if group not in ("endpoint", "tenant"):
            raise ValueError("group must be endpoint or tenant, not %r" % (group,))
        names = _STAT_NAMES
        out = {}

        def each(key, v, n, ud):
            out[key.decode()] = {names[k]: v[k] for k in range(min(n, len(names)))}
            return 0
        self._check(_f["stats_by"](self._ctx, _GROUPS[group], _STATS_CB(each), None))
        return out

    def queue_figures(self, group="total", failed_window_ms=3600000):
        """The queue as the store holds it for every process sharing it:
        a list of {key, pending, due, in_flight, failed_recent,
        oldest_due_ms}, one of all (key "") or, with group "endpoint" or
        "tenant", one per endpoint or tenant that has any. failed_recent
        counts the deliveries failed within the last failed_window_ms;
        oldest_due_ms is when the oldest due one became due (0: none)."""
        if group not in _GROUPS:
            raise ValueError("group must be one of %s, not %r" % (", ".join(_GROUPS), group))
        window = _a.integer("failed_window_ms", failed_window_ms, _a.INT64)
        rows = []

        def each(key, figures, n, ud):
            row = {"key": key.decode()}
            row.update((_FIGURE_NAMES[k], figures[k]) for k in range(min(n, len(_FIGURE_NAMES))))
            rows.append(row)
            return 0
        self._check(_f["figures"](self._ctx, _GROUPS[group], window, _FIGURES_CB(each), None))
        return rows

    def pause(self, paused=True):
        """Claim nothing new (True) or go on (False): for a graceful stop,
        pause, then tick until in_flight() is 0."""
        self._check(_f["pause"](self._ctx, 1 if _a.boolean("paused", paused) else 0))
