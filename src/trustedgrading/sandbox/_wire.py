"""The wire format between the grader and the sandboxed child that runs a student's code.

This file is run *inside* the sandbox as part of the child (see ``_child.py``), where nothing
but the standard library, NumPy and the child's own files exists, so it imports nothing else
(its limits come from ``limits.py``, loaded next to it). The grader imports the same file as
``trustedgrading.sandbox._wire``.

A message is one frame: an 8-byte big-endian length, then an ``.npz`` archive (written with
``np.savez``, read with ``allow_pickle=False``). The archive holds ``meta``, UTF-8 JSON as a
uint8 array, and the arrays ``a0``, ``a1``, ... that the JSON refers to. Values are encoded as
tagged JSON nodes, so no pickle ever crosses the boundary and a value that is not plain data
(an object with a custom ``__eq__``, a class instance) arrives as an opaque reference.
"""

import io
import json
import struct
import zipfile

import numpy as np

if __package__:  # the grader imports this file as trustedgrading.sandbox._wire
    from trustedgrading import limits
else:  # the sandboxed child loads it by bare name, limits.py next to it (launch.CHILD_FILES)
    import limits

MAX_FRAME = limits.WIRE_FRAME_BYTES  # bytes; a larger message is refused
_NUMERIC = "biufc"
# The module name the child runs the student's code under (a class it defines is
# "__student__.Name"), left out when such an object is described to the student.
STUDENT_MODULE = "__student__"


class WireError(Exception):
    """A frame that is malformed, too large, or missing."""


class Ref:
    """A value that stayed on the other side: only its id and type name cross the boundary."""

    __slots__ = ("id", "type_name")

    def __init__(self, id_, type_name):
        self.id = id_
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name} object>"

    def __grading_description__(self):
        """How a failure message names it (see ``trustedgrading.checks.describe``)."""
        return f"an object of type {self.type_name.removeprefix(STUDENT_MODULE + '.')}"


class Peer:
    """One side's table of values that do not cross the boundary as data.

    A value that cannot be encoded (an object with its own ``__eq__``, a class instance) is
    kept here and the other side gets a :class:`Ref`; when the other side sends that
    :class:`Ref` back, it decodes to the kept object again. The grader may also lend
    callables (``lend=True``): the child gets a stub that calls back.
    """

    def __init__(self, lend=False):
        self.kept = []
        self.lend = lend

    def keep(self, value):
        self.kept.append(value)
        return len(self.kept) - 1

    def own(self, id_):
        if not 0 <= id_ < len(self.kept):
            raise WireError(f"unknown reference {id_}")
        return self.kept[id_]


MAX_ITEMS = limits.WIRE_ITEMS  # items taken from an iterator a student's function returns


class Encoder:
    """Turns a value into (JSON node, arrays) for the other side of ``peer``.

    With ``drain=True`` (the child's results) an iterator, e.g. a generator function's
    result, is consumed here and sent as its items; it arrives as an iterator over them.
    """

    def __init__(self, peer, drain=False):
        self.arrays = {}
        self._peer = peer
        self._drain = drain

    def _array(self, a):
        key = f"a{len(self.arrays)}"
        self.arrays[key] = a
        return key

    def node(self, value, depth=0):
        if depth > limits.WIRE_DEPTH:
            return self._opaque(value)
        kind = type(value)
        if value is None:
            return {"t": "none"}
        if kind is bool:
            return {"t": "bool", "v": value}
        if kind is int:
            return {"t": "int", "v": str(value)}
        if kind is float:
            return {"t": "float", "v": value.hex()}
        if kind is str:
            return {"t": "str", "v": value[: limits.WIRE_STRING_CHARS]}
        if kind is np.ndarray and value.dtype.kind in _NUMERIC and not value.dtype.fields:
            return {"t": "nd", "k": self._array(value)}
        if isinstance(value, np.ndarray) and value.dtype.kind in _NUMERIC:
            # A subclass: its data only, read through the base class (no overridden method).
            return {
                "t": "nd",
                "k": self._array(np.ndarray.copy(np.ndarray.view(value, np.ndarray))),
            }
        if isinstance(value, np.generic) and type(value).__module__ == "numpy":
            if np.dtype(type(value)).kind in _NUMERIC:
                return {"t": "np", "k": self._array(np.asarray(value))}
        if kind in (tuple, list):
            return {"t": kind.__name__, "v": [self.node(v, depth + 1) for v in value]}
        if kind is dict and all(type(k) in (str, int) for k in value):
            return {
                "t": "dict",
                "v": [[self.node(k), self.node(v, depth + 1)] for k, v in value.items()],
            }
        if kind is np.random.Generator and type(value.bit_generator) is np.random.PCG64:
            state = value.bit_generator.state
            return {"t": "rng", "v": json.dumps(state, default=str)}
        if kind is Ref:
            return {"t": "back", "id": value.id}
        if self._drain and depth == 0 and hasattr(kind, "__next__") and hasattr(kind, "__iter__"):
            items = []
            for item in value:
                if len(items) == MAX_ITEMS:
                    raise WireError(f"the iterator yields more than {MAX_ITEMS} items")
                items.append(self.node(item, depth + 1))
            return {"t": "iter", "v": items}
        if self._peer.lend and callable(value):
            return {"t": "fn", "id": self._peer.keep(value)}
        return self._opaque(value)

    def _opaque(self, value):
        kind = type(value)
        name = f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', '?')}"
        return {
            "t": "ref",
            "id": self._peer.keep(value),
            "type": name[: limits.WIRE_TYPE_NAME_CHARS],
        }


def decode(node, arrays, peer, callback=None):
    """The value a JSON node stands for.

    A ``ref`` becomes a :class:`Ref`, a ``back`` the object ``peer`` kept, and a ``fn`` handle
    ``callback(id)`` (only the child accepts callables).
    """
    t = node.get("t")
    if t == "none":
        return None
    if t == "bool":
        return bool(node["v"])
    if t == "int":
        return int(node["v"])
    if t == "float":
        return float.fromhex(node["v"])
    if t == "str":
        return str(node["v"])
    if t in ("nd", "np"):
        array = arrays[node["k"]]
        if array.dtype.kind not in _NUMERIC:
            raise WireError(f"array of dtype {array.dtype} is not allowed")
        return array[()] if t == "np" else array
    if t in ("tuple", "list", "iter"):
        items = [decode(v, arrays, peer, callback) for v in node["v"]]
        return tuple(items) if t == "tuple" else items if t == "list" else iter(items)
    if t == "dict":
        return {decode(k, arrays, peer): decode(v, arrays, peer, callback) for k, v in node["v"]}
    if t == "rng":
        generator = np.random.Generator(np.random.PCG64())
        state = json.loads(node["v"])
        state["state"] = {k: int(v) for k, v in state["state"].items()}
        generator.bit_generator.state = state
        return generator
    if t == "fn":
        if callback is None:
            raise WireError("a callable may only be sent to the child")
        return callback(int(node["id"]))
    if t == "ref":
        return Ref(int(node["id"]), str(node.get("type", "object"))[: limits.WIRE_TYPE_NAME_CHARS])
    if t == "back":
        return peer.own(int(node["id"]))
    raise WireError(f"unknown node type {t!r}")


def pack(meta, arrays=None):
    """One frame: the length, then an npz with ``meta`` as JSON and the arrays."""
    buffer = io.BytesIO()
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(buffer, meta=blob, **(arrays or {}))
    payload = buffer.getvalue()
    if len(payload) > MAX_FRAME:
        raise WireError(f"message of {len(payload)} bytes exceeds the {MAX_FRAME}-byte limit")
    return struct.pack(">Q", len(payload)) + payload


def unpack(payload):
    """(meta, arrays) from a frame's payload; no pickles, numeric arrays only."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            members = archive.infolist()
        if any(m.compress_type != zipfile.ZIP_STORED for m in members):
            raise WireError("compressed members are not allowed")
        if sum(m.file_size for m in members) > MAX_FRAME:
            raise WireError(f"contents exceed the {MAX_FRAME}-byte limit")
        with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        if not all(type(a) is np.ndarray for a in arrays.values()):
            raise WireError("every member must be a .npy array")
        meta = json.loads(bytes(arrays.pop("meta")).decode())
    except WireError:
        raise
    except Exception as error:
        raise WireError(f"unreadable message ({type(error).__name__}: {error})") from None
    if not isinstance(meta, dict):
        raise WireError("message metadata is not an object")
    return meta, arrays


def frame_length(header):
    """The payload length announced by an 8-byte header, refused if over the limit."""
    if len(header) != 8:
        raise WireError("truncated message header")
    (length,) = struct.unpack(">Q", header)
    if length > MAX_FRAME:
        raise WireError(f"message of {length} bytes exceeds the {MAX_FRAME}-byte limit")
    return length
