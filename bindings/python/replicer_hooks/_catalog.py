"""The event-type catalog of a Context (rh_catalog.h): define, read, list,
deprecate, archive and restore types, strict mode, import and export, and
a type's example sent to one endpoint as a test event; and a tenant's
limits and prune (rh_account.h). bind() is called
once by the package with its loaded library and helpers; Context inherits
CatalogMixin."""
import ctypes

from . import _args as _a

_vp, _cp, _sz, _i64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64
_TYPE_CB = ctypes.CFUNCTYPE(ctypes.c_int, _vp, _vp)
_TEXT_CB = ctypes.CFUNCTYPE(ctypes.c_int, _vp, _sz, _vp)
_f = {}
_DEFINED = {0: "unchanged", 1: "created", 2: "updated"}
_STATES = {"active": 0, "deprecated": 1, "archived": 2}
# the limits by kind, named by the library at bind(): the keywords of
# set_tenant_limits and the keys of tenant_limits
_LIMITS = []


def bind(lib, fn):
    """Declare the catalog's C functions on lib (fn: the package's _fn)."""
    i = ctypes.c_int
    _f.update(
        opts_new=fn(lib, "rh_event_type_options_new", i, ctypes.POINTER(_vp)),
        opts_free=fn(lib, "rh_event_type_options_free", None, _vp),
        define=fn(lib, "rh_event_type_define", i, _vp, _cp, _vp),
        set_state=fn(lib, "rh_event_type_set_state", i, _vp, _cp, i),
        get=fn(lib, "rh_event_type_get", i, _vp, _cp, ctypes.POINTER(_vp)),
        free=fn(lib, "rh_event_type_free", None, _vp),
        list=fn(lib, "rh_event_type_list", i, _vp, _cp, _cp, _sz, i, _TYPE_CB, _vp),
        set_strict=fn(lib, "rh_catalog_set_strict", i, _vp, i),
        strict=fn(lib, "rh_catalog_strict", i, _vp),
        import_=fn(lib, "rh_catalog_import", i, _vp, _cp, _sz),
        export=fn(lib, "rh_catalog_export", i, _vp, _TEXT_CB, _vp),
        send=fn(lib, "rh_event_type_send_example", i, _vp, _cp, _cp, _cp, _sz),
        is_test=fn(lib, "rh_event_id_is_test", i, _cp),
        state_name=fn(lib, "rh_event_type_state_name", _cp, i),
        updated=fn(lib, "rh_event_type_updated_ms", _i64, _vp),
        state=fn(lib, "rh_event_type_state", i, _vp),
        set_limit=fn(lib, "rh_tenant_set_limit", i, _vp, _cp, i, _i64),
        get_limit=fn(lib, "rh_tenant_get_limit", i, _vp, _cp, i,
                     ctypes.POINTER(_i64)),
        prune=fn(lib, "rh_prune", i, _vp, _i64, _sz),
        tenant_prune=fn(lib, "rh_tenant_prune", i, _vp, _cp, _i64, _sz))
    limit_name = fn(lib, "rh_tenant_limit_name", _cp, i)
    while limit_name(len(_LIMITS)) is not None:
        _LIMITS.append(limit_name(len(_LIMITS)).decode())
    for k in ("description", "group"):
        _f["set_" + k] = fn(lib, "rh_event_type_options_set_" + k, i, _vp, _cp)
    for k in ("example", "schema"):
        _f["set_" + k] = fn(lib, "rh_event_type_options_set_" + k, i, _vp, _cp, _sz)
    for k in ("name", "description", "group", "example", "schema"):
        _f["get_" + k] = fn(lib, "rh_event_type_" + k, _cp, _vp)


def _text(p):
    return p.decode() if p is not None else None


def _info(et):
    d = {k: _text(_f["get_" + k](et))
         for k in ("name", "description", "group", "example", "schema")}
    d["state"] = _text(_f["state_name"](_f["state"](et)))
    d["updated_ms"] = _f["updated"](et)
    return d


def is_test_event(event_id):
    """True for the id of a test event (an example sent by send_example)."""
    return bool(_f["is_test"](_a.string("event_id", event_id)))


class CatalogMixin:
    """The catalog calls; self._check and self._ctx come from Context."""

    def define_event_type(self, name, description=None, group=None,
                          example=None, schema=None):
        """Define a type, or change the given fields of one: "created",
        "updated" or "unchanged". example and schema: a dict, or JSON text."""
        name = _a.string("name", name)
        texts = [(k, _a.opt_string(k, v)) for k, v in
                 (("description", description), ("group", group))]
        docs = [(k, None if v is None else _a.json_text(k, v))
                for k, v in (("example", example), ("schema", schema))]
        opts = _vp()
        self._check(_f["opts_new"](ctypes.byref(opts)), ctx=None)
        try:
            for k, v in texts:
                if v is not None:
                    self._check(_f["set_" + k](opts, v), ctx=None)
            for k, v in docs:
                if v is not None:
                    self._check(_f["set_" + k](opts, v, len(v)), ctx=None)
            return _DEFINED[self._check(_f["define"](self._ctx, name, opts))]
        finally:
            _f["opts_free"](opts)

    def event_type(self, name):
        """One type as a dict (Error RH_E_NOT_FOUND when unknown)."""
        et = _vp()
        self._check(_f["get"](self._ctx, _a.string("name", name), ctypes.byref(et)))
        try:
            return _info(et)
        finally:
            _f["free"](et)

    def event_types(self, group=None, archived=False):
        """The catalog by name (a group's when given; archived types only
        with archived=True), as dicts."""
        group = _a.opt_string("group", group)
        _a.boolean("archived", archived)
        out, after = [], None

        def each(et, ud):
            out.append(_info(et))
            return 0
        cb = _TYPE_CB(each)
        while True:
            n = self._check(_f["list"](self._ctx, group, after, 1000,
                                       1 if archived else 0, cb, None))
            if n < 1000:
                return out
            after = out[-1]["name"].encode()

    def set_event_type_state(self, name, state):
        """"active", "deprecated" or "archived"."""
        s = _STATES.get(state) if isinstance(state, str) else None
        if s is None:
            raise ValueError("state must be one of %s" % ", ".join(_STATES))
        self._check(_f["set_state"](self._ctx, _a.string("name", name), s))

    @property
    def strict(self):
        """Strict catalog mode, as this context last read it; set it to store
        it for every process sharing the store."""
        return bool(self._check(_f["strict"](self._ctx)))

    @strict.setter
    def strict(self, on):
        _a.boolean("strict", on)
        self._check(_f["set_strict"](self._ctx, 1 if on else 0))

    def import_catalog(self, document):
        """An OpenAPI 3.1 document's webhooks or an export (dict, or JSON
        text); how many types were created or changed."""
        doc = _a.json_text("document", document)
        return self._check(_f["import_"](self._ctx, doc, len(doc)))

    def export_catalog(self):
        """The whole catalog as JSON text."""
        got = []
        cb = _TEXT_CB(lambda p, n, ud: got.append(ctypes.string_at(p, n)) or 0)
        self._check(_f["export"](self._ctx, cb, None))
        return got[0].decode()

    def send_example(self, endpoint_id, event_type):
        """Queue a type's example for one endpoint as a test event; its id."""
        evt = ctypes.create_string_buffer(64)
        self._check(_f["send"](self._ctx, _a.string("endpoint_id", endpoint_id),
                               _a.string("event_type", event_type), evt, len(evt)))
        return evt.value.decode()

    # a tenant's limits (rh_account.h), stored with the catalog
    def set_tenant_limits(self, tenant, max_endpoints=None, max_pending=None,
                          max_in_flight=None, rate=None):
        """Store the limits given (0 removes one) for every process sharing
        the store: max_endpoints and max_pending refuse an add or an emit
        past them (Error RH_E_FULL); max_in_flight and rate (deliveries
        started a second) hold in each context."""
        tenant = _a.string("tenant", tenant)
        given = [(k, _a.integer(n, v, (0, 10**9))) for k, (n, v) in enumerate(
            zip(_LIMITS, (max_endpoints, max_pending, max_in_flight, rate)))
            if v is not None]
        for kind, value in given:
            self._check(_f["set_limit"](self._ctx, tenant, kind, value))

    def tenant_limits(self, tenant):
        """A tenant's limits as the store holds them (0: none), as a dict."""
        tenant = _a.string("tenant", tenant)
        out, v = {}, _i64()
        for kind, name in enumerate(_LIMITS):
            self._check(_f["get_limit"](self._ctx, tenant, kind, ctypes.byref(v)))
            out[name] = v.value
        return out

    def prune(self, older_than_ms, tenant=None, max=1000):
        """Remove deliveries finished more than older_than_ms ago (one
        tenant's only when given), with their attempts, at most max a call;
        how many went (call again while it returns max)."""
        older_than_ms = _a.integer("older_than_ms", older_than_ms, _a.INT64)
        max = _a.integer("max", max, _a.SIZE)
        if tenant is None:
            return self._check(_f["prune"](self._ctx, older_than_ms, max))
        return self._check(_f["tenant_prune"](
            self._ctx, _a.string("tenant", tenant), older_than_ms, max))
