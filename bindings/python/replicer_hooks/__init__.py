"""replicer_hooks: the replicer-hooks webhook sender from Python, on ctypes
alone (nothing to compile). The constants come from constants.json inside
the package (a copy of bindings/constants.json, both written and checked
against the headers by the C build).

The shared library is found in $REPLICER_HOOKS_LIB_DIR, then in the source
tree's build/ next to this package, then on the system's library path.
"""
import ctypes
import ctypes.util
import functools
import json
import os
from pathlib import Path

from . import _args as _a
from . import _catalog
from ._closing import Closing as _Closing
from . import _config
from . import _context_ops
from . import _emitter
from . import _endpoint_ops
from . import _hooks
from . import _log
from . import _portal
from . import _signing
from ._version import __version__

_HERE = Path(__file__).resolve().parent


def _constants():
    for path in (os.environ.get("REPLICER_HOOKS_CONSTANTS"),
                 _HERE / "constants.json", _HERE.parent.parent / "constants.json"):
        if path and Path(path).is_file():
            return json.loads(Path(path).read_text())
    raise ImportError("replicer_hooks: constants.json not found")


_C = _constants()
for _enum in _C["enums"].values():
    globals().update(_enum)
globals().update(_C["defines"])
ERROR_NAMES = {v: k for k, v in _C["enums"]["rh_err"].items()}


@functools.lru_cache(maxsize=None)  # each store opened loads its adapter once
def _load(name):
    dirs = [os.environ.get("REPLICER_HOOKS_LIB_DIR"), _HERE.parent.parent.parent / "build"]
    for d in dirs:
        if d and (Path(d) / name).exists():
            return ctypes.CDLL(str(Path(d) / name))
    found = ctypes.util.find_library(name.split(".so")[0][3:])
    return ctypes.CDLL(found or name)


_lib = _load("libreplicer-hooks.so.0")
_vp, _cp, _sz, _i64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64


def _fn(lib, name, res, *args):
    f = getattr(lib, name)
    f.restype, f.argtypes = res, list(args)
    return f


_EP_CB = ctypes.CFUNCTYPE(ctypes.c_int, _vp, _vp)

_strerror = _fn(_lib, "rh_strerror", _cp, ctypes.c_int)
_version = _fn(_lib, "rh_version_string", _cp)
_cfg_new = _fn(_lib, "rh_config_new", ctypes.c_int, ctypes.POINTER(_vp))
_cfg_free = _fn(_lib, "rh_config_free", None, _vp)
_cfg_mode = _fn(_lib, "rh_config_set_mode", ctypes.c_int, _vp, ctypes.c_int)
_cfg_timeout = _fn(_lib, "rh_config_set_timeout_ms", ctypes.c_int, _vp, _i64)
_cfg_idle = _fn(_lib, "rh_config_set_idle_connections", ctypes.c_int, _vp,
                ctypes.c_size_t)
_cfg_schedule = _fn(_lib, "rh_config_set_retry_schedule", ctypes.c_int, _vp,
                    ctypes.POINTER(_i64), _sz)
_cfg_storage = _fn(_lib, "rh_config_set_storage", ctypes.c_int, _vp, _vp)
_SOCKET_CB = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_uint, _vp)
_TIMER_CB = ctypes.CFUNCTYPE(None, _i64, _vp)
_cfg_socket = _fn(_lib, "rh_config_set_socket_cb", ctypes.c_int, _vp, _SOCKET_CB, _vp)
_cfg_timer = _fn(_lib, "rh_config_set_timer_cb", ctypes.c_int, _vp, _TIMER_CB, _vp)
_storage_free = _fn(_lib, "rh_storage_free", None, _vp)
_storage_close = _fn(_lib, "rh_storage_close", None, _vp)
_ctx_new = _fn(_lib, "rh_ctx_new", ctypes.c_int, ctypes.POINTER(_vp), _vp)
_ctx_free = _fn(_lib, "rh_ctx_free", None, _vp)
_last_error = _fn(_lib, "rh_ctx_last_error", _cp, _vp)
_last_arg = _fn(_lib, "rh_ctx_last_error_arg", ctypes.c_int, _vp)
_arg_name = _fn(_lib, "rh_arg_name", _cp, ctypes.c_int)
_last_refusal = _fn(_lib, "rh_ctx_last_error_refusal", ctypes.c_int, _vp)
_refusal_name = _fn(_lib, "rh_refusal_name", _cp, ctypes.c_int)
_duplicate = _fn(_lib, "rh_ctx_last_emit_duplicate", ctypes.c_int, _vp)
_ep_add = _fn(_lib, "rh_endpoint_add", ctypes.c_int, _vp, _cp, ctypes.POINTER(_cp), _sz,
              _cp, _sz, _cp, _sz)
_ep_list = _fn(_lib, "rh_endpoint_list", ctypes.c_int, _vp, _EP_CB, _vp)
_ep_id = _fn(_lib, "rh_endpoint_id", _cp, _vp)
_ep_url = _fn(_lib, "rh_endpoint_url", _cp, _vp)
_ep_nev = _fn(_lib, "rh_endpoint_event_count", _sz, _vp)
_ep_ev = _fn(_lib, "rh_endpoint_event", _cp, _vp, _sz)
_ep_enabled = _fn(_lib, "rh_endpoint_enabled", ctypes.c_int, _vp)
_ep_paused = _fn(_lib, "rh_endpoint_paused", ctypes.c_int, _vp)
_ep_disable = _fn(_lib, "rh_endpoint_disable", ctypes.c_int, _vp, _cp)
_ep_enable = _fn(_lib, "rh_endpoint_enable", ctypes.c_int, _vp, _cp)
_ep_remove = _fn(_lib, "rh_endpoint_remove", ctypes.c_int, _vp, _cp)
_ep_add_with = _fn(_lib, "rh_endpoint_add_with", ctypes.c_int, _vp, _cp,
                   ctypes.POINTER(_cp), _sz, _vp, _cp, _sz, _cp, _sz)
_eo_new = _fn(_lib, "rh_endpoint_options_new", ctypes.c_int, ctypes.POINTER(_vp))
_eo_free = _fn(_lib, "rh_endpoint_options_free", None, _vp)
_eo_set = {k: _fn(_lib, "rh_endpoint_options_set_" + k, ctypes.c_int, _vp, _cp)
           for k in ("tenant", "name", "description", "secret")}
_eo_label = _fn(_lib, "rh_endpoint_options_set_label", ctypes.c_int, _vp, _cp, _cp)
_ep_edit = {k: _fn(_lib, "rh_endpoint_set_" + k, ctypes.c_int, _vp, _cp, _cp)
            for k in ("url", "name", "description")}
_ep_set_events = _fn(_lib, "rh_endpoint_set_events", ctypes.c_int, _vp, _cp,
                     ctypes.POINTER(_cp), _sz)
_ep_set_label = _fn(_lib, "rh_endpoint_set_label", ctypes.c_int, _vp, _cp, _cp, _cp)
_ep_set_http = _fn(_lib, "rh_endpoint_set_http_version", ctypes.c_int, _vp, _cp,
                   ctypes.c_int)
_ep_http = _fn(_lib, "rh_endpoint_http_version", ctypes.c_int, _vp)
_ep_mode = _fn(_lib, "rh_endpoint_mode", ctypes.c_int, _vp)
_ep_client_cert = _fn(_lib, "rh_endpoint_set_client_cert", ctypes.c_int, _vp, _cp,
                      _cp, _cp)
_cfg_http = _fn(_lib, "rh_config_set_http_version", ctypes.c_int, _vp, ctypes.c_int)
_ep_text = {k: _fn(_lib, "rh_endpoint_" + k, _cp, _vp)
            for k in ("tenant", "name", "description")}
_ep_nlabels = _fn(_lib, "rh_endpoint_label_count", _sz, _vp)
_ep_label = {k: _fn(_lib, "rh_endpoint_label_" + k, _cp, _vp, _sz)
             for k in ("key", "value")}
_tenant_remove = _fn(_lib, "rh_tenant_remove", ctypes.c_int, _vp, _cp)
_tenant_resend = _fn(_lib, "rh_tenant_resend", ctypes.c_int, _vp, _cp, _cp)
_cfg_tenant_required = _fn(_lib, "rh_config_set_tenant_required", ctypes.c_int,
                           _vp, ctypes.c_int)
_cfg_per_tenant = _fn(_lib, "rh_config_set_max_in_flight_per_tenant", ctypes.c_int,
                      _vp, _sz)
_cfg_sealing = _fn(_lib, "rh_config_set_sealing_key", ctypes.c_int, _vp, _cp, _sz)
_emit_with = _fn(_lib, "rh_emit_with", ctypes.c_int, _vp, _cp, _cp, _sz, _vp, _cp, _sz)
_tick = _fn(_lib, "rh_tick", ctypes.c_int, _vp)
_next = _fn(_lib, "rh_next_timeout_ms", _i64, _vp)
_wait = _fn(_lib, "rh_wait", ctypes.c_int, _vp, _i64)
_in_flight = _fn(_lib, "rh_ctx_in_flight", _sz, _vp)
_resend = _fn(_lib, "rh_delivery_resend", ctypes.c_int, _vp, _cp)
_skip = _fn(_lib, "rh_delivery_skip", ctypes.c_int, _vp, _cp)
_catalog.bind(_lib, _fn)
_endpoint_ops.bind(_lib, _fn)
_config.bind(_lib, _fn)
_context_ops.bind(_lib, _fn)
_log.bind(_lib, _fn, _C)
_hooks.bind(_lib, _fn, _C)
is_test_event = _catalog.is_test_event
Portal = _portal.Portal
mint_portal_link = _portal.mint_portal_link
verify_portal_token = _portal.verify_portal_token
version = _version().decode()


class Error(Exception):
    """A failed call: code (an RH_E_* value), name, the library's message and,
    when the call refused an argument, which one (arg) and why (refusal:
    "malformed", "insecure_scheme", "private_address", "too_large", ...).
    Error(code, ...) makes the subclass a caller would catch for that code:
    InvalidArgument, NotFound, StorageError, Full, StateError (and Error
    itself for the rest), so `except rh.Error` still catches them all."""

    def __new__(cls, code=-100, message="", arg=None, refusal=None):
        if cls is Error:
            cls = _BY_CODE.get(code, Error)
        return super().__new__(cls)

    def __init__(self, code, message="", arg=None, refusal=None):
        self.code, self.name, self.arg = code, ERROR_NAMES.get(code, "RH_E_USER"), arg
        self.refusal = refusal
        self.message = message or _strerror(code).decode()
        super().__init__("%s: %s" % (self.name, self.message))


class InvalidArgument(Error, ValueError):
    """RH_E_INVALID_ARG: bad input, named by arg when the library says."""


class NotFound(Error, LookupError):
    """RH_E_NOT_FOUND: no such endpoint, delivery or event type."""


class StorageError(Error):
    """RH_E_STORAGE: the store failed; the call changed nothing it says."""


class Full(Error):
    """RH_E_FULL: a cap is reached (pending deliveries, a tenant's limit):
    back off and try again."""


class StateError(Error):
    """RH_E_STATE: not in a state that allows it (a resend of a delivery
    that has not failed, a test event to a disabled endpoint)."""


_BY_CODE = {RH_E_INVALID_ARG: InvalidArgument, RH_E_NOT_FOUND: NotFound,
            RH_E_STORAGE: StorageError, RH_E_FULL: Full, RH_E_STATE: StateError}


def _s(p):
    return p.decode() if p is not None else None


def _refused(rc, message, arg_code, refusal_code):
    """The Error of a refused call: its code and message, and the argument
    and the reason the library named (rh_arg_name, rh_refusal_name; "none"
    is neither)."""
    arg, refusal = _arg_name(arg_code), _refusal_name(refusal_code)
    return Error(rc, message, _s(arg) if arg and arg != b"none" else None,
                 _s(refusal) if refusal and refusal != b"none" else None)


_portal.bind(_lib, _fn, Error)
_emitter.bind(_lib, _fn, Error, _refused, globals())
Emitter = _emitter.Emitter
_signing.bind(_lib, _fn, Error, _C)
sign, verify = _signing.sign, _signing.verify


class _Store(_Closing):
    """An open store: a Context takes it over; a with-block or the garbage
    collector closes one that no context took."""

    def __init__(self, opener, *args):
        self._table, self._gone = None, "never opened"
        err = ctypes.create_string_buffer(512)
        table = _vp()
        rc = opener(ctypes.byref(table), *args, err, len(err))
        if rc != RH_OK:
            raise Error(rc, err.value.decode())
        self._table, self._gone = table, None

    def _take(self, gone):
        table, self._table, self._gone = self._table, None, gone
        return table

    def _open_table(self):
        """The table, for a context. A closed store, or one a context took,
        has none, and a NULL table means the memory store to the library:
        the context would acknowledge emits it never stored."""
        if not self._table:
            raise ValueError("store is %s: open a new one" % self._gone)
        return self._table

    def close(self):
        if self._table:
            _storage_close(self._take("closed"))


class SQLite(_Store):
    """A SQLite file: durable, shared by the processes that open it."""

    def __init__(self, path, sync_normal=False):
        lib = _load("libreplicer-hooks-sqlite.so.0")
        opener = _fn(lib, "rh_sqlite_new", ctypes.c_int, ctypes.POINTER(_vp), _cp,
                     ctypes.c_uint, _cp, _sz)
        super().__init__(opener, _a.path("path", path),
                         RH_SQLITE_SYNC_NORMAL
                         if _a.boolean("sync_normal", sync_normal) else 0)


class PostgreSQL(_Store):
    """A PostgreSQL database: one queue for many processes and machines."""

    def __init__(self, conninfo, schema=None):
        lib = _load("libreplicer-hooks-pg.so.0")
        opener = _fn(lib, "rh_pg_new", ctypes.c_int, ctypes.POINTER(_vp), _cp, _cp,
                     _cp, _sz)
        super().__init__(opener, _a.string("conninfo", conninfo),
                         _a.opt_string("schema", schema))


def _endpoint_row(ep):
    """An endpoint as a dict (its settings, headers and health come from
    Context.endpoint)."""
    d = {"id": _s(_ep_id(ep)), "url": _s(_ep_url(ep)),
         "events": [_s(_ep_ev(ep, i)) for i in range(_ep_nev(ep))],
         "enabled": bool(_ep_enabled(ep)), "paused": bool(_ep_paused(ep)),
         "tenant": _s(_ep_text["tenant"](ep)) or None, "http_version": _ep_http(ep),
         "mode": "development" if _ep_mode(ep) == RH_MODE_DEVELOPMENT else "production",
         "labels": {_s(_ep_label["key"](ep, i)): _s(_ep_label["value"](ep, i))
                    for i in range(_ep_nlabels(ep))}}
    for k in ("name", "description"):
        d[k] = _s(_ep_text[k](ep)) or None
    return d


class Context(_catalog.CatalogMixin, _endpoint_ops.EndpointOpsMixin,
              _context_ops.ContextOpsMixin, _log.LogMixin, _Closing):
    """A sender. development=True allows http:// and loopback receivers.
    store: None (memory), SQLite(...) or PostgreSQL(...); the context takes
    it over (a closed store, or one another context took, is a ValueError).
    Hooks, called inside tick() (they must not call the context; what one
    raises, tick() raises): on_failed(delivery) for deliveries failed for
    good, on_attempt(attempt) after each attempt is stored,
    on_endpoint_state(endpoint, change) ("disabled", "enabled", "failing",
    ...), on_event_type(name, notice) ("deprecated_emitted"), and
    token(endpoint) -> a bearer token str, (token, expires_ms), or None.
    Use it from one thread at a time.
    The other settings go by their C names: max_in_flight,
    max_in_flight_per_endpoint, max_pending, max_log, max_data_bytes,
    lease_ms, retention_ms, idempotency_window_ms, auto_disable_ms,
    endpoint_refresh_ms, retry_jitter_pct, standard_headers, ca_file,
    proxy, allow_cidrs (a list)."""

    _lent_to = None  # the Emitter that has the C context, if one has

    @property
    def _ctx(self):
        """The C context; StateError while an Emitter has it (its threads
        would share it with this one's calls)."""
        if self._lent_to is not None:
            raise StateError(RH_E_STATE, "this context is lent to an Emitter: "
                             "close the emitter first")
        return self.__dict__.get("_ctx_raw")

    @_ctx.setter
    def _ctx(self, value):
        self.__dict__["_ctx_raw"] = value

    def __init__(self, development=False, store=None, timeout_ms=None,
                 retry_schedule_ms=None, idle_connections=None,
                 tenant_required=False, max_in_flight_per_tenant=None,
                 sealing_key=None, http_version=None, on_socket=None,
                 on_timer=None, on_failed=None, on_attempt=None,
                 on_endpoint_state=None, on_event_type=None, token=None, **settings):
        cfg = _vp()
        self._ctx = None
        self._keep = []  # callbacks live as long as the context
        self._raised = []  # what a hook raised, for tick() to raise
        hooks = {"on_failed": on_failed, "on_attempt": on_attempt,
                 "on_endpoint_state": on_endpoint_state, "on_event_type": on_event_type,
                 "token": token}
        _hooks.check(hooks)
        if timeout_ms is not None:
            timeout_ms = _a.integer("timeout_ms", timeout_ms, _a.INT64)
        if idle_connections is not None:
            idle_connections = _a.integer("idle_connections", idle_connections,
                                          _a.SIZE)
        if http_version is not None:  # an RH_HTTP_VERSION_* constant
            http_version = _a.integer("http_version", http_version, _a.INT)
        if retry_schedule_ms is not None:
            retry_schedule_ms = _a.sequence("retry_schedule_ms", retry_schedule_ms,
                                            lambda n, v: _a.integer(n, v, _a.INT64))
        # the other settings, by their C names (_config.SETTINGS)
        settings = _config.check(settings)
        # an event loop's hooks (rh_loop.h; replicer_hooks.aio uses them):
        # on_socket(fd, what) and on_timer(ms), both or neither; neither may
        # call the context
        _a.callback("on_socket", on_socket)
        _a.callback("on_timer", on_timer)
        if (on_socket is None) != (on_timer is None):
            raise TypeError("on_socket and on_timer go together")
        _a.boolean("development", development)
        _a.boolean("tenant_required", tenant_required)
        if sealing_key is not None:  # 32 bytes: what the store's secrets are sealed with
            sealing_key = _a.data_bytes("sealing_key", sealing_key)
        if max_in_flight_per_tenant is not None:
            max_in_flight_per_tenant = _a.integer(
                "max_in_flight_per_tenant", max_in_flight_per_tenant, _a.SIZE)
        if store is not None and not isinstance(store, _Store):
            raise TypeError("store must be SQLite(...), PostgreSQL(...) or None, not %s"
                            % type(store).__name__)
        table = None if store is None else store._open_table()
        self._check(_cfg_new(ctypes.byref(cfg)), ctx=None)
        try:
            _cfg_mode(cfg, RH_MODE_DEVELOPMENT if development else RH_MODE_PRODUCTION)
            if timeout_ms is not None:
                self._check(_cfg_timeout(cfg, timeout_ms), ctx=None)
            if idle_connections is not None:
                self._check(_cfg_idle(cfg, idle_connections), ctx=None)
            if http_version is not None and _cfg_http(cfg, http_version) < 0:
                raise Error(RH_E_INVALID_ARG, "http_version: an RH_HTTP_VERSION_* "
                            "constant (0, 1 or 2)", "http_version")
            _cfg_tenant_required(cfg, 1 if tenant_required else 0)
            if sealing_key is not None and _cfg_sealing(cfg, sealing_key,
                                                        len(sealing_key)) < 0:
                raise Error(RH_E_INVALID_ARG, "sealing_key is 32 bytes",
                            "sealing_key")
            if max_in_flight_per_tenant is not None:
                self._check(_cfg_per_tenant(cfg, max_in_flight_per_tenant), ctx=None)
            if retry_schedule_ms is not None:
                arr = (_i64 * max(1, len(retry_schedule_ms)))(*retry_schedule_ms)
                self._check(_cfg_schedule(cfg, arr, len(retry_schedule_ms)), ctx=None)
            _hooks.apply(cfg, hooks, (_log.attempt_row, _log.delivery_row, _endpoint_row),
                         self._raised, self._keep)
            if on_socket:
                scb = _SOCKET_CB(lambda fd, what, ud: on_socket(fd, what))
                tcb = _TIMER_CB(lambda ms, ud: on_timer(ms))
                self._keep += [scb, tcb]
                _cfg_socket(cfg, scb, None)
                _cfg_timer(cfg, tcb, None)
            _config.apply(cfg, settings, Error)
            if table is not None:
                self._check(_cfg_storage(cfg, table), ctx=None)
            ctx = _vp()
            self._check(_ctx_new(ctypes.byref(ctx), cfg), ctx=None)
            self._ctx = ctx
            if table is not None:  # the context owns the store now
                _storage_free(store._take("already given to a context"))
        finally:
            _cfg_free(cfg)

    def _check(self, rc, ctx=True):
        if rc < 0:
            if ctx and self._ctx:
                raise _refused(rc, _last_error(self._ctx).decode(),
                               _last_arg(self._ctx), _last_refusal(self._ctx))
            raise Error(rc)
        return rc

    def close(self):
        if self._ctx:
            _ctx_free(self._ctx)
            self._ctx = None

    # endpoints
    def add_endpoint(self, url, events, tenant=None, name=None,
                     description=None, labels=None, secret=None):
        """Register url for event types or patterns (a list), for a tenant
        (your account id) if given; (id, secret)."""
        url = _a.string("url", url)
        events = _a.sequence("events", events, _a.string)
        texts = [(k, _a.opt_string(k, v)) for k, v in (
            ("tenant", tenant), ("name", name), ("description", description),
            ("secret", secret))]
        labels = _a.labels("labels", labels, removable=False)
        evs = (_cp * len(events))(*events)
        ep = ctypes.create_string_buffer(RH_ID_SIZE)
        out = ctypes.create_string_buffer(RH_SECRET_SIZE)
        opts = _vp()
        self._check(_eo_new(ctypes.byref(opts)), ctx=None)
        try:
            for k, v in texts:
                if v is not None and _eo_set[k](opts, v) < 0:
                    raise Error(RH_E_INVALID_ARG, "%s is not valid" % k, k)
            for k, v in labels:
                if _eo_label(opts, k, v) < 0:
                    raise Error(RH_E_INVALID_ARG, "label %s is not valid" % _s(k),
                                "label")
            self._check(_ep_add_with(self._ctx, url, evs, len(events), opts, ep,
                                     len(ep), out, len(out)))
        finally:
            _eo_free(opts)
        return ep.value.decode(), (secret if secret is not None else out.value.decode())

    def update_endpoint(self, endpoint_id, url=None, events=None, name=None,
                        description=None, labels=None, http_version=None):
        """Change an endpoint in place (its id, secret and log stay): each
        argument given is stored, in this order; labels is a dict, a value
        of None removing that label; http_version an RH_HTTP_VERSION_*
        constant (RH_HTTP_VERSION_DEFAULT: the context's)."""
        endpoint_id = _a.string("endpoint_id", endpoint_id)
        if http_version is not None:
            http_version = _a.integer("http_version", http_version, _a.INT)
        texts = [(k, _a.opt_string(k, v)) for k, v in (
            ("url", url), ("name", name), ("description", description))]
        if events is not None:
            events = _a.sequence("events", events, _a.string)
        labels = _a.labels("labels", labels, removable=True)
        for k, v in texts:
            if v is not None:
                self._check(_ep_edit[k](self._ctx, endpoint_id, v))
        if events is not None:
            evs = (_cp * max(1, len(events)))(*events)
            self._check(_ep_set_events(self._ctx, endpoint_id, evs, len(events)))
        for k, v in labels:
            self._check(_ep_set_label(self._ctx, endpoint_id, k, v))
        if http_version is not None:
            self._check(_ep_set_http(self._ctx, endpoint_id, http_version))

    def endpoints(self, tenant=None):
        """The endpoints (of one tenant when given), as dicts."""
        tenant = _a.opt_string("tenant", tenant)
        out = []

        def each(ep, ud):
            d = _endpoint_row(ep)
            if tenant is None or d["tenant"] == _s(tenant):
                out.append(d)
            return RH_OK
        self._check(_ep_list(self._ctx, _EP_CB(each), None))
        return out

    def set_client_cert(self, endpoint_id, cert_pem, key_pem):
        """A client certificate (PEM, with its chain) and its unencrypted
        key (PEM) for this endpoint's TLS handshakes, stored with it (the
        key sealed when a sealing key is set); both None removes them."""
        if (cert_pem is None) != (key_pem is None):
            raise TypeError("cert_pem and key_pem go together (both None removes them)")
        self._check(_ep_client_cert(self._ctx, _a.string("endpoint_id", endpoint_id),
                                    _a.opt_string("cert_pem", cert_pem),
                                    _a.opt_string("key_pem", key_pem)))

    def remove_tenant(self, tenant):
        """Remove every endpoint of a tenant; how many went."""
        return self._check(_tenant_remove(self._ctx, _a.string("tenant", tenant)))

    def disable_endpoint(self, endpoint_id):
        self._check(_ep_disable(self._ctx, _a.string("endpoint_id", endpoint_id)))

    def enable_endpoint(self, endpoint_id):
        self._check(_ep_enable(self._ctx, _a.string("endpoint_id", endpoint_id)))

    def remove_endpoint(self, endpoint_id):
        self._check(_ep_remove(self._ctx, _a.string("endpoint_id", endpoint_id)))

    # emit
    def emit(self, event_type, data, idempotency_key=None, ordering_key=None,
             hold_on_failure=False, endpoint=None, tenant=None, traceparent=None,
             tracestate=None):
        """Queue an event (data: a dict or list, or JSON text as str or bytes,
        sent as given). traceparent (W3C) and tracestate go with every
        attempt, each a span of its own. Returns (event_id,
        deliveries_queued, duplicate)."""
        event_type = _a.string("event_type", event_type)
        data = _a.json_text("data", data)
        with _emitter.emit_options(idempotency_key, ordering_key, hold_on_failure,
                                   endpoint, tenant, traceparent, tracestate) as opts:
            evt = ctypes.create_string_buffer(RH_ID_SIZE)
            n = self._check(_emit_with(self._ctx, event_type, data, len(data), opts,
                                       evt, len(evt)))
            return evt.value.decode(), n, bool(_duplicate(self._ctx))

    # driving
    def tick(self):
        """Do what is due without blocking; attempts finished. A storage
        hiccup is not raised: transfers go on and nothing is lost."""
        rc = _tick(self._ctx)
        if self._raised:
            raised, self._raised[:] = self._raised[0], []
            raise raised
        return rc if rc == RH_E_STORAGE else self._check(rc)

    def next_timeout_ms(self):
        return _next(self._ctx)

    def wait(self, max_ms=1000):
        self._check(_wait(self._ctx, _a.integer("max_ms", max_ms, _a.INT64)))

    def in_flight(self):
        return _in_flight(self._ctx)

    def run_until_idle(self, timeout_s=30.0):
        """Tick and wait until nothing is pending or in flight, or timeout."""
        import time
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            self.tick()
            if self.next_timeout_ms() < 0:
                return True
            self.wait(min(100, max(0, self.next_timeout_ms())))
        return False

    def resend(self, delivery_id, tenant=None):
        """Send a failed delivery again; with a tenant, only if it is that
        tenant's (else not found)."""
        delivery_id = _a.string("delivery_id", delivery_id)
        if tenant is None:
            self._check(_resend(self._ctx, delivery_id))
        else:
            self._check(_tenant_resend(self._ctx, _a.string("tenant", tenant),
                                       delivery_id))

    def skip(self, delivery_id):
        self._check(_skip(self._ctx, _a.string("delivery_id", delivery_id)))
