"""The delivery log on a Context (rh_storage.h): attempts and deliveries
with every filter, read a page at a time, from the start or after a
cursor (an attempt's seq; a delivery's created time and id), and recover,
which resends the failed deliveries a query selects. bind() is called once
by the package with its loaded library; Context inherits LogMixin, which
uses the context's _ctx and _check."""
import ctypes

from . import _args as _a

_vp, _cp, _sz, _i64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64
ROW_CB = ctypes.CFUNCTYPE(ctypes.c_int, _vp, _vp)
_REQUEST_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_char), _sz,
                               ctypes.POINTER(ctypes.c_char), _sz, _vp)
_f = {}
_E = {}
# page 0 would ask the library for its default of 100 rows, and _pages,
# which stops at a page shorter than page, would read on to an empty one
_PAGE = (1, _a.SIZE[1])


def bind(lib, fn, constants):
    """Declare the C functions on lib (fn: the package's _fn)."""
    i = ctypes.c_int
    _f.update(
        attempts=fn(lib, "rh_log_attempts", i, _vp, _vp, ROW_CB, _vp),
        deliveries=fn(lib, "rh_log_deliveries", i, _vp, _vp, ROW_CB, _vp),
        recover=fn(lib, "rh_recover", i, _vp, _vp),
        request=fn(lib, "rh_attempt_request", i, _vp, _cp, i, _REQUEST_CB, _vp),
        q_new=fn(lib, "rh_query_new", i, ctypes.POINTER(_vp)),
        q_free=fn(lib, "rh_query_free", None, _vp),
        q_range=fn(lib, "rh_query_set_time_range", i, _vp, _i64, _i64),
        q_limit=fn(lib, "rh_query_set_limit", i, _vp, _sz),
        q_cursor=fn(lib, "rh_query_set_cursor", i, _vp, _i64),
        q_dcursor=fn(lib, "rh_query_set_delivery_cursor", i, _vp, _i64, _cp),
        outcome_name=fn(lib, "rh_outcome_name", _cp, i),
        state_name=fn(lib, "rh_delivery_state_name", _cp, i),
        response=fn(lib, "rh_attempt_response", ctypes.POINTER(ctypes.c_char), _vp),
        response_len=fn(lib, "rh_attempt_response_len", _sz, _vp))
    _f["q_str"] = {k: fn(lib, "rh_query_set_" + k, i, _vp, _cp)
                   for k in ("endpoint", "delivery", "event", "event_type", "tenant")}
    _f["q_int"] = {k: fn(lib, "rh_query_set_" + k, i, _vp, i)
                   for k in ("failed_only", "state", "status", "outcome")}
    _f["at"] = {k: fn(lib, "rh_attempt_" + k, r, _vp) for k, r in (
        ("seq", _i64), ("delivery_id", _cp), ("endpoint_id", _cp), ("event_id", _cp),
        ("event_type", _cp), ("number", i), ("started_ms", _i64),
        ("duration_ms", _i64), ("status", i), ("success", i),
        ("outcome", i), ("error", _cp), ("tenant", _cp), ("traceparent", _cp))}
    _f["dl"] = {k: fn(lib, "rh_delivery_" + k, r, _vp) for k, r in (
        ("id", _cp), ("event_id", _cp), ("endpoint_id", _cp), ("event_type", _cp),
        ("state", i), ("attempts", i), ("next_attempt_ms", _i64),
        ("created_ms", _i64), ("updated_ms", _i64), ("ordering_key", _cp),
        ("tenant", _cp))}
    _E.update(state=constants["enums"]["rh_state"],
              outcome=constants["enums"]["rh_outcome"])


def _s(p):
    return p.decode() if p is not None else None


def attempt_row(p):
    """An attempt as a dict: every field the C getters give; response is
    the start of the receiver's answer, as bytes; traceparent what it sent
    (on_attempt only: "" in the log, which does not keep it)."""
    a = {k: f(p) for k, f in _f["at"].items()}
    for k in ("delivery_id", "endpoint_id", "event_id", "event_type", "error",
              "traceparent"):
        a[k] = _s(a[k])
    a["tenant"] = _s(a["tenant"]) or None
    a["success"] = bool(a["success"])
    a["outcome"] = _f["outcome_name"](a["outcome"]).decode()
    n = _f["response_len"](p)
    a["response"] = ctypes.string_at(_f["response"](p), n) if n else b""
    return a


def delivery_row(p):
    """A delivery as a dict: every field the C getters give."""
    d = {k: f(p) for k, f in _f["dl"].items()}
    for k in ("id", "event_id", "endpoint_id", "event_type", "ordering_key"):
        d[k] = _s(d[k])
    d["tenant"] = _s(d["tenant"]) or None
    d["state"] = _f["state_name"](d["state"]).decode()
    return d


def _filters(endpoint=None, delivery=None, event=None, event_type=None,
             failed_only=False, state=None, status=None, outcome=None,
             since_ms=0, until_ms=0, tenant=None):
    """The log's filters checked when the call is made (the rows are read
    later, as they are iterated)."""
    strs = [(k, _a.string(k, v)) for k, v in (
        ("endpoint", endpoint), ("delivery", delivery), ("event", event),
        ("event_type", event_type), ("tenant", tenant)) if v is not None]
    ints = []
    if state is not None:
        ints.append(("state", _a.member("state", state, "RH_DELIVERY_", _E["state"])))
    if status is not None:
        ints.append(("status", _a.integer("status", status, _a.INT)))
    if outcome is not None:
        ints.append(("outcome", _a.member("outcome", outcome, "RH_OUTCOME_",
                                          _E["outcome"])))
    if _a.boolean("failed_only", failed_only):
        ints.append(("failed_only", 1))
    return (strs, ints, _a.integer("since_ms", since_ms, _a.INT64),
            _a.integer("until_ms", until_ms, _a.INT64))


def _delivery_cursor(after):
    """after: the last delivery seen (its dict) or (created_ms, id)."""
    if isinstance(after, dict):
        after = (after.get("created_ms"), after.get("id"))
    if not isinstance(after, (tuple, list)) or len(after) != 2:
        raise TypeError("after must be a delivery (dict) or (created_ms, id)")
    return (_a.integer("after created_ms", after[0], _a.INT64),
            _a.string("after id", after[1]))


class LogMixin:
    """The log's calls on a Context."""

    def _query(self, filters):
        strs, ints, since_ms, until_ms = filters
        q = _vp()
        self._check(_f["q_new"](ctypes.byref(q)), ctx=None)
        try:
            for k, v in strs:
                self._check(_f["q_str"][k](q, v), ctx=None)
            for k, v in ints:
                self._check(_f["q_int"][k](q, v), ctx=None)
            self._check(_f["q_range"](q, since_ms, until_ms), ctx=None)
        except BaseException:
            _f["q_free"](q)
            raise
        return q

    def _pages(self, log, row, move, page, start, filters):
        """Rows of one log, a page at a time: move(q, cursor) sets the
        query's cursor past a row (start: the caller's, or None)."""
        q = self._query(filters)
        try:
            _f["q_limit"](q, page)
            if start is not None:
                move(q, start)
            while True:
                rows = []
                cb = ROW_CB(lambda p, ud: rows.append(row(p)) or 0)
                self._check(log(self._ctx, q, cb, None))
                yield from rows
                if len(rows) < page:
                    return
                move(q, rows[-1])
        finally:
            _f["q_free"](q)

    def attempts(self, page=500, after=None, **filters):
        """The attempts, oldest first, as dicts (read a page at a time);
        after: an attempt's seq, to read on from it."""
        start = None if after is None else {"seq": _a.integer("after", after, _a.INT64)}
        return self._pages(_f["attempts"], attempt_row,
                           lambda q, last: _f["q_cursor"](q, last["seq"]),
                           _a.integer("page", page, _PAGE), start, _filters(**filters))

    def deliveries(self, page=500, after=None, **filters):
        """The deliveries and their state, oldest first, as dicts; after:
        the last delivery seen (its dict, or (created_ms, id)) to read on."""
        start = None
        if after is not None:
            created_ms, did = _delivery_cursor(after)
            start = {"created_ms": created_ms, "id": did.decode()}
        return self._pages(_f["deliveries"], delivery_row,
                           lambda q, last: _f["q_dcursor"](q, last["created_ms"],
                                                           last["id"].encode()),
                           _a.integer("page", page, _PAGE), start, _filters(**filters))

    def attempt_request(self, delivery_id, attempt=1):
        """What an attempt (1 is the first) sent, rebuilt from the store:
        {"headers": [(name, value), ...] in the order sent, every secret
        "<redacted>", "body": the body byte for byte}."""
        delivery_id = _a.string("delivery_id", delivery_id)
        attempt = _a.integer("attempt", attempt, _a.INT)
        got = {}

        def keep(headers, hlen, body, blen, ud):
            lines = ctypes.string_at(headers, hlen).decode("latin-1").split("\r\n")
            got["headers"] = [tuple(h.split(": ", 1)) for h in lines if h]
            got["body"] = ctypes.string_at(body, blen)
            return 0
        self._check(_f["request"](self._ctx, delivery_id, attempt, _REQUEST_CB(keep), None))
        return got

    def recover(self, endpoint=None, event_type=None, since_ms=0, until_ms=0,
                tenant=None):
        """Resend the failed deliveries these select; how many."""
        q = self._query(_filters(endpoint=endpoint, event_type=event_type,
                                 since_ms=since_ms, until_ms=until_ms, tenant=tenant))
        try:
            return self._check(_f["recover"](self._ctx, q))
        finally:
            _f["q_free"](q)
