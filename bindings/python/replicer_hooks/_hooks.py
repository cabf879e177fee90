"""A Context's hooks into the library's callbacks (rh.h, rh_catalog.h):
on_failed, on_attempt (after each attempt is stored), on_endpoint_state
(disabled, enabled, recovered, failing, paused, resumed, held),
on_event_type (a deprecated type emitted) and token (a bearer token for an
endpoint's requests). bind() is called once by the package; apply() sets
them on a config.

The library calls them inside tick(), with calls on the context refused.
An exception a hook raises cannot cross the C frames between, so it is
kept and raised by the tick() that ran the hook (Context.tick re-raises
it); a token hook that raises fails that attempt unsent (it is retried)."""
import ctypes

from . import _args as _a

_vp, _cp, _sz, _i64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64
_FAILED = ctypes.CFUNCTYPE(None, _vp, _vp)
_ATTEMPT = ctypes.CFUNCTYPE(None, _vp, _vp)
_STATE = ctypes.CFUNCTYPE(None, _vp, ctypes.c_int, _vp)
_NOTICE = ctypes.CFUNCTYPE(None, _cp, ctypes.c_int, _vp)
_TOKEN = ctypes.CFUNCTYPE(ctypes.c_int, _vp, ctypes.POINTER(ctypes.c_char), _sz,
                          ctypes.POINTER(_i64), _vp)
NAMES = ("on_failed", "on_attempt", "on_endpoint_state", "on_event_type", "token")
_f = {}
_K = {}


def bind(lib, fn, constants):
    """Declare the C functions on lib (fn: the package's _fn)."""
    i = ctypes.c_int
    _f.update(
        on_failed=fn(lib, "rh_config_set_failed_cb", i, _vp, _FAILED, _vp),
        on_attempt=fn(lib, "rh_config_set_attempt_cb", i, _vp, _ATTEMPT, _vp),
        on_endpoint_state=fn(lib, "rh_config_set_endpoint_state_cb", i, _vp, _STATE, _vp),
        on_event_type=fn(lib, "rh_config_set_event_type_cb", i, _vp, _NOTICE, _vp),
        token=fn(lib, "rh_config_set_token_cb", i, _vp, _TOKEN, _vp),
        change_name=fn(lib, "rh_endpoint_change_name", _cp, i))
    notices = constants["enums"]["rh_event_type_notice"]
    _K.update(ok=constants["enums"]["rh_err"]["RH_OK"],
              not_found=constants["enums"]["rh_err"]["RH_E_NOT_FOUND"],
              user=constants["enums"]["rh_err"]["RH_E_USER"],
              notices={v: k[len("RH_EVENT_TYPE_"):].lower() for k, v in notices.items()})


def check(hooks):
    """The hooks given to Context(), checked before anything is made."""
    for name in NAMES:
        _a.callback(name, hooks.get(name))


def apply(cfg, hooks, rows, raised, keep):
    """Set the given hooks on cfg. rows: (attempt_row, delivery_row,
    endpoint_row), the package's dict makers; raised: the list a hook's
    exception goes to; keep: the list that keeps the C callbacks alive."""
    attempt_row, delivery_row, endpoint_row = rows

    def guarded(fn, *args):
        try:
            fn(*args)
        except BaseException as e:  # noqa: B036 - raised again by tick()
            raised.append(e)

    makers = {
        "on_failed": lambda fn: _FAILED(lambda dl, ud: guarded(fn, delivery_row(dl))),
        "on_attempt": lambda fn: _ATTEMPT(lambda at, ud: guarded(fn, attempt_row(at))),
        "on_endpoint_state": lambda fn: _STATE(lambda ep, change, ud: guarded(
            fn, endpoint_row(ep), _f["change_name"](change).decode())),
        "on_event_type": lambda fn: _NOTICE(lambda name, notice, ud: guarded(
            fn, name.decode(), _K["notices"].get(notice, "unknown"))),
        "token": lambda fn: _TOKEN(lambda ep, out, size, exp, ud: _token(
            fn, endpoint_row(ep), out, size, exp, raised)),
    }
    for name in NAMES:
        if hooks.get(name) is not None:
            cb = makers[name](hooks[name])
            keep.append(cb)
            _f[name](cfg, cb, None)


def _token(fn, endpoint, out, size, expires, raised):
    """token(endpoint) gives a str, (str, expires_ms), or None when this
    endpoint needs no token."""
    try:
        got = fn(endpoint)
        if got is None:
            return _K["not_found"]
        token, expires_ms = (got, 0) if isinstance(got, str) else got
        data = _a.string("token", token)
        expires_ms = _a.integer("expires_ms", expires_ms, _a.INT64)
        if any(c < 0x21 or c > 0x7e for c in data):  # it goes out in a header
            raise ValueError("token must be visible ASCII")
        if len(data) >= size:
            raise ValueError("token is %d bytes, more than %d" % (len(data), size - 1))
    except BaseException as e:  # noqa: B036 - raised again by tick()
        raised.append(e)
        return _K["user"]
    ctypes.memmove(out, data + b"\0", len(data) + 1)
    expires[0] = expires_ms
    return _K["ok"]
