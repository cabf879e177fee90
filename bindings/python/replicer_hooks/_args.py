"""Argument checks, one per kind, each naming the argument it refuses.

Every argument is checked here before it reaches C: ctypes passes a string
only up to its first NUL ("order-1\\0A" and "order-1\\0B" would be one
idempotency key), wraps an int outside its C type without a word (a
timestamp of 2**64 would sign 0), and a str given for a list would be
iterated character by character.
"""
import json
import operator
import os

INT64 = (-2**63, 2**63 - 1)
INT = (-2**31, 2**31 - 1)
SIZE = (0, 2**64 - 1)


def _kind(v):
    return type(v).__name__


def string(name, v):
    """A NUL-terminated string for C: str (sent as UTF-8) or bytes."""
    if isinstance(v, str):
        v = v.encode()
    elif not isinstance(v, bytes):
        raise TypeError("%s must be str or bytes, not %s" % (name, _kind(v)))
    if b"\0" in v:
        raise ValueError("%s must not contain a NUL character" % name)
    return v


def opt_string(name, v):
    return None if v is None else string(name, v)


def path(name, v):
    """A file path: str, bytes or os.PathLike (None is refused: it named a
    file "None")."""
    try:
        v = os.fsencode(v)
    except TypeError:
        raise TypeError("%s must be str, bytes or os.PathLike, not %s"
                        % (name, _kind(v))) from None
    return string(name, v)


def boolean(name, v):
    """True or False, nothing else: development="false" is a non-empty
    string, and truthiness would have turned development mode on."""
    if not isinstance(v, bool):
        raise TypeError("%s must be True or False, not %s" % (name, _kind(v)))
    return v


def integer(name, v, bounds):
    """An int within bounds, the range of its C type: OverflowError outside
    it, TypeError for what is not an int (a float is not truncated, and a
    bool is not a number: idle_connections=True would have been 1)."""
    if isinstance(v, bool):
        raise TypeError("%s must be an int, not bool" % name)
    try:
        v = operator.index(v)
    except TypeError:
        raise TypeError("%s must be an int, not %s" % (name, _kind(v))) from None
    if not bounds[0] <= v <= bounds[1]:
        raise OverflowError("%s must be from %d to %d, not %d" % (name, bounds[0],
                                                                   bounds[1], v))
    return v


def sequence(name, v, each):
    """A list or tuple, each item checked by each(name[i], item); a str or
    bytes is refused rather than taken as a list of characters."""
    if not isinstance(v, (list, tuple)):
        raise TypeError("%s must be a list, not %s" % (name, _kind(v)))
    return [each("%s[%d]" % (name, i), x) for i, x in enumerate(v)]


def member(name, v, prefix, members):
    """A member of one of constants.json's enums by its short name."""
    value = members.get(prefix + string(name, v).decode().upper())
    if value is None:
        known = ", ".join(k[len(prefix):].lower() for k in members)
        raise ValueError("%s must be one of %s, not %r" % (name, known, v))
    return value


def data_bytes(name, v):
    """Bytes passed with their length (they may hold NUL): str (UTF-8) or a
    bytes-like object."""
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    raise TypeError("%s must be str or bytes, not %s" % (name, _kind(v)))


def json_text(name, v):
    """Event data: JSON text (str or bytes) as given, or a value json.dumps
    writes compactly."""
    if isinstance(v, (str, bytes, bytearray, memoryview)):
        return data_bytes(name, v)
    try:
        return json.dumps(v, separators=(",", ":")).encode()
    except (TypeError, ValueError) as e:
        raise TypeError("%s cannot be written as JSON: %s" % (name, e)) from None


def callback(name, v):
    if v is not None and not callable(v):
        raise TypeError("%s must be callable, not %s" % (name, _kind(v)))
    return v


def labels(name, v, removable):
    """A dict of label keys to values (str); a value of None removes the
    label where removable. As [(key bytes, value bytes or None)]."""
    if v is None:
        return []
    if not isinstance(v, dict):
        raise TypeError("%s must be a dict of str to str, not %s" % (name, _kind(v)))
    out = []
    for k, val in v.items():
        key = string(name + " key", k)
        if val is None and removable:
            out.append((key, None))
        else:
            out.append((key, string(name + "[%r]" % k, val)))
    return out
