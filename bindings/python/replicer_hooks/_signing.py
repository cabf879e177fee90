"""Signing and verifying (rh_sign, rh_verify): what a sender puts in the
webhook-signature header, and a receiver's check of it. bind() is called
once by the package with its loaded library."""
import ctypes
import time

from . import _args as _a

_vp, _cp, _sz, _i64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64
_f = {}


def bind(lib, fn, error, constants):
    """Declare the calls (fn: the package's _fn; error: its Error class;
    constants: constants.json's tables)."""
    i = ctypes.c_int
    consts = dict(constants["defines"])
    for table in constants["enums"].values():
        consts.update(table)
    _f.update(error=error, consts=consts,
              sign=fn(lib, "rh_sign", i, _cp, _cp, _i64, _cp, _sz, _cp, _sz),
              verify=fn(lib, "rh_verify", i, _cp, _cp, _cp, _cp, _cp, _sz, _i64,
                        _i64))


def sign(secret, msg_id, timestamp, body):
    """The webhook-signature header value ("v1,...") for body (bytes or str)."""
    secret, msg_id = _a.string("secret", secret), _a.string("msg_id", msg_id)
    timestamp = _a.integer("timestamp", timestamp, _a.INT64)
    body = _a.data_bytes("body", body)
    out = ctypes.create_string_buffer(_f["consts"]["RH_SIGNATURE_SIZE"])
    rc = _f["sign"](secret, msg_id, timestamp, body, len(body), out, len(out))
    if rc != 0:
        raise _f["error"](rc)
    return out.value.decode()


def verify(secret, msg_id, timestamp, signature, body, now=None,
           tolerance=None):
    """True when a signature matches and the timestamp is within tolerance,
    False when not; Error for malformed input. timestamp: the header's
    text as received (str or bytes), or an int."""
    if tolerance is None:
        tolerance = _f["consts"]["RH_VERIFY_TOLERANCE_S"]
    if not isinstance(timestamp, (str, bytes)):
        timestamp = str(_a.integer("timestamp", timestamp, _a.INT64))
    body = _a.data_bytes("body", body)
    now = int(time.time()) if now is None else _a.integer("now", now, _a.INT64)
    rc = _f["verify"](_a.string("secret", secret), _a.string("msg_id", msg_id),
                      _a.string("timestamp", timestamp),
                      _a.string("signature", signature), body, len(body), now,
                      _a.integer("tolerance", tolerance, _a.INT64))
    if rc in (_f["consts"]["RH_E_SIGNATURE"], _f["consts"]["RH_E_TIMESTAMP"]):
        return False
    if rc != 0:
        raise _f["error"](rc)
    return True
