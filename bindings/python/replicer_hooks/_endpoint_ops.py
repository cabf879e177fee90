"""An endpoint's operations and settings on a Context (rh.h): pause and
resume, a new secret, recovery, custom headers, its own timeout, in-flight
cap, rate limit and retry schedule, and one endpoint read whole (settings,
headers and health). bind() is called once by the package with its loaded
library and helpers; Context inherits EndpointOpsMixin."""
import ctypes

from . import _args as _a

_vp, _cp, _sz, _i64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64
_f = {}
_CONTEXTS = "the context's"  # retry_schedule_ms: back to the context's schedule
_SCHEDULE_MAX = 32


def bind(lib, fn):
    """Declare the C functions on lib (fn: the package's _fn)."""
    i, d = ctypes.c_int, ctypes.c_double
    ep = {k: fn(lib, "rh_endpoint_" + k, i, _vp, _cp) for k in ("pause", "resume")}
    _f.update(
        ep,
        rotate=fn(lib, "rh_endpoint_rotate_secret", i, _vp, _cp, _i64, _cp, _sz),
        recover=fn(lib, "rh_endpoint_recover", i, _vp, _cp, _i64),
        health_now=fn(lib, "rh_endpoint_health", i, _vp, _cp, ctypes.POINTER(_i64),
                      ctypes.POINTER(_i64), ctypes.POINTER(_i64)),
        set_header=fn(lib, "rh_endpoint_set_header", i, _vp, _cp, _cp, _cp),
        set_timeout=fn(lib, "rh_endpoint_set_timeout_ms", i, _vp, _cp, _i64),
        set_cap=fn(lib, "rh_endpoint_set_max_in_flight", i, _vp, _cp, _sz),
        set_rate=fn(lib, "rh_endpoint_set_rate_limit", i, _vp, _cp, d),
        set_schedule=fn(lib, "rh_endpoint_set_retry_schedule", i, _vp, _cp,
                        ctypes.POINTER(_i64), _sz),
        get=fn(lib, "rh_endpoint_get", i, _vp, _cp, ctypes.POINTER(_vp)),
        timeout=fn(lib, "rh_endpoint_timeout_ms", _i64, _vp),
        cap=fn(lib, "rh_endpoint_max_in_flight", _sz, _vp),
        rate=fn(lib, "rh_endpoint_rate_limit", d, _vp),
        schedule=fn(lib, "rh_endpoint_retry_schedule", i, _vp, ctypes.POINTER(_i64), _sz),
        created=fn(lib, "rh_endpoint_created_ms", _i64, _vp),
        reason=fn(lib, "rh_endpoint_disabled_reason", i, _vp),
        reason_name=fn(lib, "rh_disabled_reason_name", _cp, i),
        last_ok=fn(lib, "rh_endpoint_last_success_ms", _i64, _vp),
        failing=fn(lib, "rh_endpoint_failing_since_ms", _i64, _vp),
        in_a_row=fn(lib, "rh_endpoint_failed_in_a_row", _i64, _vp),
        has_cert=fn(lib, "rh_endpoint_has_client_cert", i, _vp),
        n_headers=fn(lib, "rh_endpoint_header_count", _sz, _vp),
        header_name=fn(lib, "rh_endpoint_header_name", _cp, _vp, _sz),
        header_value=fn(lib, "rh_endpoint_header_value", _cp, _vp, _sz),
    )


def _text(p):
    return p.decode() if p is not None else None


class EndpointOpsMixin:
    """Context's calls on one endpoint (self._ctx, self._check)."""

    def pause_endpoint(self, endpoint_id):
        """Hold its deliveries (they wait, due) until resume_endpoint."""
        self._check(_f["pause"](self._ctx, _a.string("endpoint_id", endpoint_id)))

    def resume_endpoint(self, endpoint_id):
        """Send to it again: its due deliveries go at the next tick."""
        self._check(_f["resume"](self._ctx, _a.string("endpoint_id", endpoint_id)))

    def rotate_secret(self, endpoint_id, grace_ms=86400000):
        """A new secret, returned this once; the old one also signs for
        grace_ms (default 24 h), so receivers can switch."""
        endpoint_id = _a.string("endpoint_id", endpoint_id)
        grace_ms = _a.integer("grace_ms", grace_ms, _a.INT64)
        out = ctypes.create_string_buffer(128)
        self._check(_f["rotate"](self._ctx, endpoint_id, grace_ms, out, len(out)))
        return out.value.decode()

    def endpoint_health(self, endpoint_id):
        """Its health as the store's log says it now, whichever process
        delivered: {last_success_ms, failing_since_ms, failed_in_a_row}
        (0: none); endpoint() gives what the workers stored."""
        h = [_i64(), _i64(), _i64()]
        self._check(_f["health_now"](self._ctx, _a.string("endpoint_id", endpoint_id),
                                     *(ctypes.byref(v) for v in h)))
        return dict(zip(("last_success_ms", "failing_since_ms", "failed_in_a_row"),
                        (v.value for v in h)))

    def recover_endpoint(self, endpoint_id, since_ms):
        """Send again its deliveries that failed since since_ms (Unix ms):
        how many."""
        return self._check(_f["recover"](self._ctx, _a.string("endpoint_id", endpoint_id),
                                         _a.integer("since_ms", since_ms, _a.INT64)))

    def set_header(self, endpoint_id, name, value=None):
        """A header sent on every request to it; value None removes it."""
        self._check(_f["set_header"](self._ctx, _a.string("endpoint_id", endpoint_id),
                                     _a.string("name", name),
                                     _a.opt_string("value", value)))

    def set_endpoint_settings(self, endpoint_id, timeout_ms=None, max_in_flight=None,
                              rate_limit=None, retry_schedule_ms=None):
        """Its own settings, each given one stored (0: the context's, and
        for rate_limit none; retry_schedule_ms a list of delays, [] for no
        retries, or "the context's")."""
        endpoint_id = _a.string("endpoint_id", endpoint_id)
        if timeout_ms is not None:
            timeout_ms = _a.integer("timeout_ms", timeout_ms, _a.INT64)
        if max_in_flight is not None:
            max_in_flight = _a.integer("max_in_flight", max_in_flight, _a.SIZE)
        if rate_limit is not None:
            if isinstance(rate_limit, bool) or not isinstance(rate_limit, (int, float)):
                raise TypeError("rate_limit must be a number, not %s"
                                % type(rate_limit).__name__)
        schedule = None
        if retry_schedule_ms is not None and retry_schedule_ms != _CONTEXTS:
            schedule = _a.sequence("retry_schedule_ms", retry_schedule_ms,
                                   lambda n, v: _a.integer(n, v, _a.INT64))
        if timeout_ms is not None:
            self._check(_f["set_timeout"](self._ctx, endpoint_id, timeout_ms))
        if max_in_flight is not None:
            self._check(_f["set_cap"](self._ctx, endpoint_id, max_in_flight))
        if rate_limit is not None:
            self._check(_f["set_rate"](self._ctx, endpoint_id, float(rate_limit)))
        if retry_schedule_ms == _CONTEXTS:
            self._check(_f["set_schedule"](self._ctx, endpoint_id, None, 0))
        elif schedule is not None:
            arr = (_i64 * max(1, len(schedule)))(*schedule)
            self._check(_f["set_schedule"](self._ctx, endpoint_id, arr, len(schedule)))

    def endpoint(self, endpoint_id):
        """One endpoint whole: the row endpoints() gives, with its settings,
        headers and health."""
        endpoint_id = _a.string("endpoint_id", endpoint_id)
        ep = _vp()
        self._check(_f["get"](self._ctx, endpoint_id, ctypes.byref(ep)))
        row = next(r for r in self.endpoints() if r["id"] == endpoint_id.decode())
        # endpoints() was another call on the context: borrow it again
        self._check(_f["get"](self._ctx, endpoint_id, ctypes.byref(ep)))
        delays = (_i64 * _SCHEDULE_MAX)()
        n = _f["schedule"](ep, delays, _SCHEDULE_MAX)
        row.update(
            timeout_ms=_f["timeout"](ep), max_in_flight=_f["cap"](ep),
            rate_limit=_f["rate"](ep),
            retry_schedule_ms=list(delays[:n]) if n >= 0 else _CONTEXTS,
            headers={_text(_f["header_name"](ep, i)): _text(_f["header_value"](ep, i))
                     for i in range(_f["n_headers"](ep))},
            created_ms=_f["created"](ep),
            # None while enabled, else why: "by_host", "gone", ...
            disabled_reason=(_text(_f["reason_name"](_f["reason"](ep)))
                             if _f["reason"](ep) else None),
            last_success_ms=_f["last_ok"](ep), failing_since_ms=_f["failing"](ep),
            failed_in_a_row=_f["in_a_row"](ep),
            has_client_cert=bool(_f["has_cert"](ep)))
        return row
