"""The rest of a Context's settings (rh.h's rh_config_set_*), as keyword
arguments named after the C calls: each is checked here for its C type,
then by the library for its range, and an unknown name is a TypeError
naming it. bind() is called once by the package."""
import ctypes

from . import _args as _a

_vp, _cp, _sz, _i64 = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64
# keyword: (C call, kind)
SETTINGS = {
    "max_in_flight": ("rh_config_set_max_in_flight", "size"),
    "max_in_flight_per_endpoint": ("rh_config_set_max_in_flight_per_endpoint", "size"),
    "max_pending": ("rh_config_set_max_pending", "size"),
    "max_log": ("rh_config_set_max_log", "size"),
    "max_data_bytes": ("rh_config_set_max_data_bytes", "size"),
    "lease_ms": ("rh_config_set_lease_ms", "int64"),
    "retention_ms": ("rh_config_set_retention_ms", "int64"),
    "idempotency_window_ms": ("rh_config_set_idempotency_window_ms", "int64"),
    "auto_disable_ms": ("rh_config_set_auto_disable_ms", "int64"),
    "endpoint_refresh_ms": ("rh_config_set_endpoint_refresh_ms", "int64"),
    "retry_jitter_pct": ("rh_config_set_retry_jitter_pct", "int"),
    "standard_headers": ("rh_config_set_standard_headers", "bool"),
    "ca_file": ("rh_config_set_ca_file", "path"),
    "proxy": ("rh_config_set_proxy", "string"),
    "allow_cidrs": ("rh_config_allow_cidr", "strings"),
}
_C_TYPES = {"size": _sz, "int64": _i64, "int": ctypes.c_int, "bool": ctypes.c_int,
            "path": _cp, "string": _cp, "strings": _cp}
_f = {}


def bind(lib, fn):
    for key, (name, kind) in SETTINGS.items():
        _f[key] = fn(lib, name, ctypes.c_int, _vp, _C_TYPES[kind])


def check(settings):
    """The settings checked for their types: [(key, values)], or raise."""
    out = []
    for key, v in settings.items():
        if key not in SETTINGS:
            raise TypeError("Context() got an unexpected keyword argument %r" % key)
        kind = SETTINGS[key][1]
        if kind == "size":
            vals = [_a.integer(key, v, _a.SIZE)]
        elif kind == "int64":
            vals = [_a.integer(key, v, _a.INT64)]
        elif kind == "int":
            vals = [_a.integer(key, v, _a.INT)]
        elif kind == "bool":
            vals = [1 if _a.boolean(key, v) else 0]
        elif kind == "path":
            vals = [_a.path(key, v)]
        elif kind == "string":
            vals = [_a.string(key, v)]
        else:
            vals = _a.sequence(key, v, _a.string)
        out.append((key, vals))
    return out


def apply(cfg, checked, error):
    """Each setting onto cfg; a refusal raises error(code, message, key)."""
    for key, vals in checked:
        for v in vals:
            rc = _f[key](cfg, v)
            if rc < 0:
                raise error(rc, "%s: refused by %s (out of range or not valid)"
                            % (key, SETTINGS[key][0]), key)
