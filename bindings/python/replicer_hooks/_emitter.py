"""Emit options built from keyword arguments (for Context.emit and
Emitter.emit), and the Emitter (rh_emitter.h): emits from many Python
threads into one store, each durable when it returns, the emits that
arrive while a commit is under way committed together by the next one.
ctypes lets go of the GIL for the C call, so threads do wait together.
bind() is called once by the package."""
import contextlib
import ctypes
import threading

from . import _args as _a
from ._closing import Closing

_vp, _cp, _sz, _u64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64
_f = {}


def bind(lib, fn, error, refused, constants):
    """Declare the C functions (fn: the package's _fn; error: its Error
    class; refused: its Error of a refusal, from the codes of the argument
    and the reason; constants: its RH_* names)."""
    i, pp = ctypes.c_int, ctypes.POINTER(_vp)
    _f.update(
        error=error, refused=refused, k=constants,
        opts_new=fn(lib, "rh_emit_options_new", i, pp),
        opts_free=fn(lib, "rh_emit_options_free", None, _vp),
        opts_idem=fn(lib, "rh_emit_options_set_idempotency_key", i, _vp, _cp),
        opts_order=fn(lib, "rh_emit_options_set_ordering_key", i, _vp, _cp, i),
        opts_ep=fn(lib, "rh_emit_options_set_endpoint", i, _vp, _cp),
        opts_tenant=fn(lib, "rh_emit_options_set_tenant", i, _vp, _cp),
        opts_trace=fn(lib, "rh_emit_options_set_trace_context", i, _vp, _cp, _cp),
        new=fn(lib, "rh_emitter_new", i, _vp, pp),
        free=fn(lib, "rh_emitter_free", None, _vp),
        emit=fn(lib, "rh_emitter_emit", i, _vp, _cp, _cp, _sz, _vp, _vp),
        counts=fn(lib, "rh_emitter_counts", i, _vp, ctypes.POINTER(_u64),
                  ctypes.POINTER(_u64), ctypes.POINTER(_u64)),
        res_new=fn(lib, "rh_emit_result_new", i, pp),
        res_free=fn(lib, "rh_emit_result_free", None, _vp),
        res_id=fn(lib, "rh_emit_result_id", _cp, _vp),
        res_dup=fn(lib, "rh_emit_result_duplicate", i, _vp),
        res_error=fn(lib, "rh_emit_result_error", _cp, _vp),
        res_arg=fn(lib, "rh_emit_result_error_arg", i, _vp),
        res_refusal=fn(lib, "rh_emit_result_error_refusal", i, _vp),
        res_group=fn(lib, "rh_emit_result_group_size", _sz, _vp),
    )


def _check(rc, message="", arg=None):
    if rc < 0:
        raise _f["error"](rc, message, arg)
    return rc


@contextlib.contextmanager
def emit_options(idempotency_key=None, ordering_key=None, hold_on_failure=False,
                 endpoint=None, tenant=None, traceparent=None, tracestate=None):
    """An rh_emit_options handle for the block, from the emit's keyword
    arguments (each checked as Context.emit documents)."""
    k = _f["k"]
    _a.boolean("hold_on_failure", hold_on_failure)
    idempotency_key = _a.opt_string("idempotency_key", idempotency_key)
    ordering_key = _a.opt_string("ordering_key", ordering_key)
    endpoint = _a.opt_string("endpoint", endpoint)
    tenant = _a.opt_string("tenant", tenant)
    traceparent = _a.opt_string("traceparent", traceparent)
    tracestate = _a.opt_string("tracestate", tracestate)
    opts = _vp()
    _check(_f["opts_new"](ctypes.byref(opts)))
    try:
        if idempotency_key is not None:
            _check(_f["opts_idem"](opts, idempotency_key), "idempotency_key must be 1 "
                   "to %d printable ASCII characters" % k["RH_IDEMPOTENCY_KEY_MAX"],
                   "idempotency_key")
        if ordering_key is not None:
            _check(_f["opts_order"](opts, ordering_key, k["RH_ORDERING_HOLD"]
                                    if hold_on_failure else k["RH_ORDERING_CONTINUE"]),
                   "ordering_key must be 1 to %d printable ASCII characters"
                   % k["RH_ORDERING_KEY_MAX"], "ordering_key")
        if endpoint is not None:
            _check(_f["opts_ep"](opts, endpoint), "endpoint is not an id", "endpoint")
        if tenant is not None:
            _check(_f["opts_tenant"](opts, tenant), "tenant is not 1 to %d visible "
                   "ASCII characters" % k["RH_TENANT_MAX"], "tenant")
        if traceparent is not None or tracestate is not None:
            _check(_f["opts_trace"](opts, traceparent, tracestate),
                   "traceparent must be 00-<32 hex>-<16 hex>-<2 hex> in lower case "
                   "(ids not all zeros), and tracestate 1 to %d printable ASCII "
                   "characters beside it" % k["RH_TRACESTATE_MAX"], "traceparent")
        yield opts
    finally:
        _f["opts_free"](opts)


class Emitter(Closing):
    """Emits from any number of threads into the store of a context it
    takes over (SQLite or PostgreSQL; use nothing else on that context
    until close()). Each emit returns when its event is durable; emits of
    threads at once share one commit. Deliver with another Context on the
    same store."""

    def __init__(self, context):
        self._p = _vp()
        self._lock = threading.Lock()  # guards _p and _in_flight
        self._in_flight = 0
        ctx = context._ctx  # StateError when another Emitter has it
        rc = _f["new"](ctx, ctypes.byref(self._p))
        if rc < 0:
            self._p = None
            context._check(rc)
        # kept alive, and lent: its own calls raise StateError until close()
        self._context = context
        context._lent_to = self

    def close(self):
        """Free the emitter and give the context back; StateError while a
        thread is inside emit()."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return  # __init__ failed before anything was made
        with lock:
            if self._in_flight:
                raise _f["error"](_f["k"]["RH_E_STATE"],
                                  "emits are in flight: close after they return")
            if self._p:
                _f["free"](self._p)
                self._p = None
                self._context._lent_to = None

    def emit(self, event_type, data, idempotency_key=None, ordering_key=None,
             hold_on_failure=False, endpoint=None, tenant=None, traceparent=None,
             tracestate=None):
        """As Context.emit, from any thread: (event_id, deliveries_queued,
        duplicate), once the event is durable."""
        event_type = _a.string("event_type", event_type)
        data = _a.json_text("data", data)
        with self._lock:
            if not self._p:
                raise _f["error"](_f["k"]["RH_E_STATE"], "the emitter is closed")
            self._in_flight += 1
        res = _vp()
        try:
            _check(_f["res_new"](ctypes.byref(res)))
            with emit_options(idempotency_key, ordering_key, hold_on_failure,
                              endpoint, tenant, traceparent, tracestate) as opts:
                rc = _f["emit"](self._p, event_type, data, len(data), opts, res)
            if rc < 0:
                raise _f["refused"](rc, _f["res_error"](res).decode(),
                                    _f["res_arg"](res), _f["res_refusal"](res))
            return _f["res_id"](res).decode(), rc, bool(_f["res_dup"](res))
        finally:
            _f["res_free"](res)
            with self._lock:
                self._in_flight -= 1

    def counts(self):
        """{"emits", "commits", "largest_group"} since the emitter was made."""
        out = [_u64(), _u64(), _u64()]
        with self._lock:
            if not self._p:
                raise _f["error"](_f["k"]["RH_E_STATE"], "the emitter is closed")
            _check(_f["counts"](self._p, *[ctypes.byref(v) for v in out]))
        return dict(zip(("emits", "commits", "largest_group"), (v.value for v in out)))
