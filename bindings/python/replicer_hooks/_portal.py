"""The customer portal (rh_portal.h) from Python: link tokens minted and
verified (standard HS256 JWTs), and the handler a web framework mounts: a
request in, (status, headers, body) out. bind() is called once by the
package with its loaded library."""
import ctypes
import time

from . import _args as _a
from ._closing import Closing

_vp, _cp, _sz, _i64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64
_f = {}
CAPS = {"view": 1, "manage": 2, "resend": 4, "operator": 8}


def bind(lib, fn, error):
    """Declare the portal's C functions (fn: the package's _fn; error: its
    Error class, raised for a failed call)."""
    i, u, pp = ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_vp)
    _f.update(
        error=error,
        mint=fn(lib, "rh_portal_mint", i, _cp, _sz, _cp, u, _i64, _i64, _cp, _sz),
        verify=fn(lib, "rh_portal_verify", i, _cp, _sz, _cp, _i64, _cp, _sz,
                  ctypes.POINTER(u), ctypes.POINTER(_i64)),
        new=fn(lib, "rh_portal_new", i, pp, _vp, _cp, _sz),
        free=fn(lib, "rh_portal_free", None, _vp),
        base=fn(lib, "rh_portal_set_base", i, _vp, _cp),
        refresh=fn(lib, "rh_portal_set_refresh_url", i, _vp, _cp),
        insecure=fn(lib, "rh_portal_set_insecure_cookie", i, _vp, i),
        handle=fn(lib, "rh_portal_handle", i, _vp, _cp, _cp, _cp,
                  ctypes.POINTER(_cp), ctypes.POINTER(_cp), _sz, _cp, _sz, pp),
        status=fn(lib, "rh_portal_response_status", i, _vp),
        n_headers=fn(lib, "rh_portal_response_header_count", _sz, _vp),
        name=fn(lib, "rh_portal_response_header_name", _cp, _vp, _sz),
        value=fn(lib, "rh_portal_response_header_value", _cp, _vp, _sz),
        body=fn(lib, "rh_portal_response_body", _vp, _vp),
        body_len=fn(lib, "rh_portal_response_body_len", _sz, _vp),
        rfree=fn(lib, "rh_portal_response_free", None, _vp))


def _caps(caps):
    caps = _a.sequence("caps", caps, _a.string)
    bits = 0
    for c in caps:
        if c.decode() not in CAPS:
            raise ValueError("caps are %s, not %r" % (", ".join(CAPS), c.decode()))
        bits |= CAPS[c.decode()]
    return bits


def _check(rc):
    if rc < 0:
        raise _f["error"](rc)
    return rc


def mint_portal_link(key, tenant, caps=("view",), ttl_s=600, now_s=None):
    """A link token (the JWT; the link is <base>/login?token=<it>) for one
    tenant's portal (tenant None with "operator": every tenant), valid for
    ttl_s seconds (10 minutes unless told)."""
    key = _a.data_bytes("key", key)
    tenant = _a.opt_string("tenant", tenant)
    ttl_s = _a.integer("ttl_s", ttl_s, _a.INT64)
    now_s = int(time.time()) if now_s is None else _a.integer("now_s", now_s, _a.INT64)
    out = ctypes.create_string_buffer(1024)
    _check(_f["mint"](key, len(key), tenant, _caps(caps), now_s, ttl_s, out, len(out)))
    return out.value.decode()


def verify_portal_token(key, token, now_s=None):
    """The claims of a link token as the portal checks them:
    {"tenant", "caps", "expires_s"}; Error when it is not valid."""
    key = _a.data_bytes("key", key)
    token = _a.string("token", token)
    now_s = int(time.time()) if now_s is None else _a.integer("now_s", now_s, _a.INT64)
    tenant = ctypes.create_string_buffer(129)
    caps, exp = ctypes.c_uint(), _i64()
    _check(_f["verify"](key, len(key), token, now_s, tenant, len(tenant),
                        ctypes.byref(caps), ctypes.byref(exp)))
    return {"tenant": tenant.value.decode() or None, "expires_s": exp.value,
            "caps": [k for k, b in CAPS.items() if caps.value & b]}


class Portal(Closing):
    """The portal over a Context, for a web framework to mount under base:
    portal.handle(method, path, query, headers, body) -> (status, headers,
    body). Use it on the Context's thread."""

    def __init__(self, context, key, base="", refresh_url=None,
                 insecure_cookie=False):
        key = _a.data_bytes("key", key)
        _a.boolean("insecure_cookie", insecure_cookie)
        self._context, self._p = context, _vp()  # the context outlives it
        _check(_f["new"](ctypes.byref(self._p), context._ctx, key, len(key)))
        _check(_f["base"](self._p, _a.string("base", base)))
        if refresh_url is not None:
            _check(_f["refresh"](self._p, _a.string("refresh_url", refresh_url)))
        _check(_f["insecure"](self._p, 1 if insecure_cookie else 0))

    def handle(self, method, path, query="", headers=None, body=b""):
        method, path = _a.string("method", method), _a.string("path", path)
        query = _a.string("query", query or "")
        body = _a.data_bytes("body", body or b"")
        pairs = [(_a.string("header name", k), _a.string("header value", v))
                 for k, v in (headers or {}).items()]
        names = (_cp * max(1, len(pairs)))(*[k for k, _ in pairs])
        values = (_cp * max(1, len(pairs)))(*[v for _, v in pairs])
        r = _vp()
        _check(_f["handle"](self._p, method, path, query, names, values,
                            len(pairs), body, len(body), ctypes.byref(r)))
        try:
            out = [(_f["name"](r, i).decode(), _f["value"](r, i).decode())
                   for i in range(_f["n_headers"](r))]
            data = ctypes.string_at(_f["body"](r), _f["body_len"](r))
            return _f["status"](r), out, data
        finally:
            _f["rfree"](r)

    def close(self):
        if self._p:
            _f["free"](self._p)
            self._p = None
