"""The grader <-> sandbox wire format (``trustedgrading.sandbox._wire``).

Every value goes through the full path a message takes: ``Encoder.node`` -> ``pack`` ->
``frame_length`` on the header -> ``unpack`` on the payload -> ``decode``. Expectations are the
values themselves (round trips) or the documented refusals.
"""

import io
import itertools
import json
import math
import struct
import zipfile

import numpy as np
import pytest

from trustedgrading.sandbox import _wire

NUMERIC_DTYPES = [
    np.bool_,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
    np.longdouble,
    np.complex64,
    np.complex128,
    np.clongdouble,
]


def send(value, *, sender=None, receiver=None, drain=False, callback=None):
    """``value`` as the other side decodes it, through a real frame."""
    sender = sender if sender is not None else _wire.Peer()
    receiver = receiver if receiver is not None else _wire.Peer()
    encoder = _wire.Encoder(sender, drain=drain)
    frame = _wire.pack({"value": encoder.node(value)}, encoder.arrays)
    length = _wire.frame_length(frame[:8])
    assert length == len(frame) - 8
    meta, arrays = _wire.unpack(frame[8:])
    return _wire.decode(meta["value"], arrays, receiver, callback)


def bits(x):
    return struct.pack(">d", x)


def npz(allow_pickle=False, compressed=False, **arrays):
    buffer = io.BytesIO()
    meta = np.frombuffer(json.dumps({"value": {"t": "nd", "k": "a0"}}).encode(), np.uint8)
    if compressed:
        np.savez_compressed(buffer, meta=meta, **arrays)
    else:
        np.savez(buffer, meta=meta, allow_pickle=allow_pickle, **arrays)
    return buffer.getvalue()


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (2, 3)], ids=str)
def test_numeric_arrays_round_trip_with_dtype_shape_and_data(dtype, shape):
    data = (np.arange(int(np.prod(shape))) % 3).reshape(shape).astype(dtype)
    got = send(data)
    assert type(got) is np.ndarray
    assert got.dtype == np.dtype(dtype) and got.shape == shape
    assert np.array_equal(got, data)


def test_non_contiguous_and_fortran_arrays_arrive_with_the_same_values():
    base = np.arange(24.0).reshape(4, 6)
    for value in (base[:, ::2], base.T, np.asfortranarray(base)):
        got = send(value)
        assert got.shape == value.shape and np.array_equal(got, value)


def test_float_array_special_values_are_bit_exact():
    data = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, np.finfo(float).max])
    got = send(data)
    assert got.tobytes() == data.tobytes()


@pytest.mark.parametrize(
    "value",
    [
        np.float64(0.1),
        np.float32(-2.5),
        np.float16(3.0),
        np.int8(-7),
        np.uint64(2**64 - 1),
        np.int64(-(2**63)),
        np.bool_(True),
        np.complex128(1 - 2j),
        np.longdouble(1) / 3,
    ],
    ids=lambda v: type(v).__name__,
)
def test_numpy_scalars_arrive_as_the_same_numpy_scalar_type(value):
    got = send(value)
    assert type(got) is type(value)
    assert got == value


@pytest.mark.parametrize(
    "value", [0, 1, -1, 2**63, 2**64, 2**64 + 1, -(2**200) + 7, 10**1000], ids=str
)
def test_python_ints_of_any_size_round_trip(value):
    got = send(value)
    assert type(got) is int and got == value


@pytest.mark.parametrize(
    "value", [0.1, -0.0, 0.0, math.inf, -math.inf, math.nan, 5e-324, 1.7976931348623157e308]
)
def test_python_floats_round_trip_bit_exact(value):
    got = send(value)
    assert type(got) is float
    assert bits(got) == bits(value)


@pytest.mark.parametrize("value", [True, False, None, "", "héllo\n\x00 ∂L/∂w"], ids=repr)
def test_bool_none_and_str_round_trip_with_their_type(value):
    got = send(value)
    assert type(got) is type(value) and got == value


def test_a_very_long_string_is_cut_to_100_000_characters():
    assert send("x" * 100_005) == "x" * 100_000


def test_nested_containers_keep_their_types_keys_and_arrays():
    value = {
        "W": np.eye(2),
        "layers": [(np.zeros(1, np.float32), 3), ["a", None]],
        7: (1.5, (True, {"deep": [np.int16(4)]})),
    }
    got = send(value)
    assert list(got) == ["W", "layers", 7]
    assert np.array_equal(got["W"], np.eye(2))
    first = got["layers"][0]
    assert type(got["layers"]) is list and type(first) is tuple
    assert first[0].dtype == np.float32 and first[1] == 3
    assert got["layers"][1] == ["a", None]
    assert got[7][0] == 1.5 and got[7][1][0] is True
    assert type(got[7][1][1]["deep"][0]) is np.int16


def test_a_pcg64_generator_continues_with_the_same_stream():
    original = np.random.default_rng(1234)
    original.standard_normal(3)
    original.integers(0, 2**32, dtype=np.uint32)  # leaves a buffered 32-bit half behind
    got = send(original)
    assert type(got) is np.random.Generator and got is not original
    assert got.bit_generator.state == original.bit_generator.state
    for _ in range(3):
        assert got.integers(0, 2**32, dtype=np.uint32) == original.integers(
            0, 2**32, dtype=np.uint32
        )
    assert np.array_equal(got.standard_normal(5), original.standard_normal(5))


def test_an_ndarray_subclass_arrives_as_a_plain_ndarray_without_calling_its_methods():
    class Liar(np.ndarray):
        def copy(self, *args, **kwargs):
            raise AssertionError("the subclass's copy was called")

        def __array_finalize__(self, obj):
            pass

    data = np.arange(6.0).reshape(2, 3)
    value = data.view(Liar)
    got = send(value)
    assert type(got) is np.ndarray
    assert np.array_equal(got, data) and got.dtype == data.dtype


def test_a_masked_array_arrives_as_its_data():
    value = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    got = send(value)
    assert type(got) is np.ndarray and np.array_equal(got, [1.0, 2.0, 3.0])


# --- values that do not cross as data -----------------------------------------------------------


class Always:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class SneakyFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


@pytest.mark.parametrize(
    "value",
    [
        Always(),
        SneakyFloat(1.0),
        np.array([1, "a"], dtype=object),
        np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
        np.zeros(2, dtype=[("a", "f8")])[0],
        np.array(["ab", "c"]),
        np.array(["2020-01-01"], dtype="datetime64[D]"),
        np.datetime64("2020-01-01"),
        {(1, 2): 3},
        {True: 1},
        [1, 2].__iter__(),
        np.random.Generator(np.random.MT19937(0)),
        np.random.Generator(np.random.PCG64DXSM(0)),
        print,
    ],
    ids=lambda v: type(v).__name__,
)
def test_values_that_are_not_plain_data_arrive_as_refs(value):
    got = send(value)
    assert type(got) is _wire.Ref


def test_a_ref_carries_the_type_name_and_an_id_into_the_senders_table():
    sender = _wire.Peer()
    value = Always()
    got = send([1, value], sender=sender)
    assert got[0] == 1
    ref = got[1]
    assert ref.type_name == f"{__name__}.Always"
    assert sender.own(ref.id) is value
    assert "Always" in repr(ref)


def test_a_ref_sent_back_resolves_to_the_object_that_was_kept():
    child, grader = _wire.Peer(), _wire.Peer()
    kept = Always()
    refs = send({"x": kept, "y": [Always()]}, sender=child, receiver=grader)
    back = send((refs["x"], 2.0), sender=grader, receiver=child)
    assert back[0] is kept and back[1] == 2.0


def test_an_unknown_ref_id_is_refused():
    with pytest.raises(_wire.WireError, match="unknown reference 5"):
        _wire.Peer().own(5)
    with pytest.raises(_wire.WireError, match="unknown reference -1"):
        _wire.Peer().own(-1)


def test_nesting_deeper_than_20_levels_becomes_a_ref():
    value = inner = []
    for _ in range(30):
        inner.append([])
        inner = inner[0]
    got = send(value)
    depth = 0
    while type(got) is list:
        got = got[0]
        depth += 1
    assert type(got) is _wire.Ref
    assert 15 < depth <= 21


# --- callables --------------------------------------------------------------------------------


def test_a_lent_callable_becomes_the_callback_handle_on_the_child_side():
    grader = _wire.Peer(lend=True)

    def f(x):
        return x + 1

    got = send([f, 3], sender=grader, callback=lambda id_: ("stub", id_))
    assert got[1] == 3
    kind, id_ = got[0]
    assert kind == "stub" and grader.own(id_) is f


def test_a_callable_is_refused_where_no_callback_is_accepted():
    with pytest.raises(_wire.WireError, match="only be sent to the child"):
        send(len, sender=_wire.Peer(lend=True))


def test_callables_are_not_lent_unless_the_peer_lends():
    assert type(send(len)) is _wire.Ref


# --- draining iterators -----------------------------------------------------------------------


def test_drain_materialises_a_generator_into_an_iterator_of_its_items():
    def steps():
        yield np.ones(2)
        yield 3

    got = send(steps(), drain=True)
    assert iter(got) is got  # an iterator, like the generator
    items = list(got)
    assert np.array_equal(items[0], np.ones(2)) and items[1] == 3


def test_without_drain_a_generator_is_not_consumed():
    consumed = []

    def steps():
        consumed.append(True)
        yield 1

    assert type(send(steps())) is _wire.Ref
    assert not consumed


def test_drain_only_consumes_the_top_level_value():
    got = send([iter([1, 2])], drain=True)
    assert type(got[0]) is _wire.Ref


def test_drain_takes_at_most_max_items(monkeypatch):
    monkeypatch.setattr(_wire, "MAX_ITEMS", 5)
    assert list(send(iter(range(5)), drain=True)) == [0, 1, 2, 3, 4]
    with pytest.raises(_wire.WireError, match="more than 5 items"):
        send(iter(range(6)), drain=True)


def test_an_endless_generator_is_stopped_at_the_real_limit():
    assert _wire.MAX_ITEMS == 100_000
    with pytest.raises(_wire.WireError, match="more than 100000 items"):
        _wire.Encoder(_wire.Peer(), drain=True).node(itertools.count())


# --- refused frames ---------------------------------------------------------------------------


def test_a_frame_holding_a_pickled_object_array_is_refused():
    payload = npz(allow_pickle=True, a0=np.array([{"evil": 1}, None], dtype=object))
    assert b"pickle" in payload or b"\x80" in payload  # it really holds a pickle
    with pytest.raises(_wire.WireError, match="unreadable message"):
        _wire.unpack(payload)


def test_a_non_numeric_array_named_as_data_is_refused_by_decode():
    meta, arrays = _wire.unpack(npz(a0=np.array(["abc"])))
    with pytest.raises(_wire.WireError, match="dtype <U3 is not allowed"):
        _wire.decode(meta["value"], arrays, _wire.Peer())


def test_an_archive_member_that_is_not_an_array_is_refused():
    buffer = io.BytesIO(npz(a1=np.zeros(1)))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("a0", b"raw bytes, not an .npy file")
    with pytest.raises(_wire.WireError):
        meta, arrays = _wire.unpack(buffer.getvalue())
        _wire.decode(meta["value"], arrays, _wire.Peer())


def test_a_compressed_frame_that_expands_beyond_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(_wire, "MAX_FRAME", 2**20)
    payload = npz(compressed=True, a0=np.zeros(2**20))  # 8 MB of data in ~10 kB
    assert len(payload) < 2**20
    with pytest.raises(_wire.WireError):
        _wire.unpack(payload)


@pytest.mark.parametrize(
    "payload",
    [b"", b"not a zip file", npz()[:-10]],
    ids=["empty", "garbage", "truncated"],
)
def test_unreadable_payloads_are_refused(payload):
    with pytest.raises(_wire.WireError, match="unreadable message"):
        _wire.unpack(payload)


def test_a_payload_without_meta_is_refused():
    buffer = io.BytesIO()
    np.savez(buffer, a0=np.zeros(1))
    with pytest.raises(_wire.WireError, match="unreadable message"):
        _wire.unpack(buffer.getvalue())


def test_metadata_that_is_not_a_json_object_is_refused():
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.frombuffer(b"[1, 2]", np.uint8))
    with pytest.raises(_wire.WireError, match="not an object"):
        _wire.unpack(buffer.getvalue())


def test_an_oversize_length_header_is_refused_and_the_limit_itself_is_accepted():
    limit = _wire.MAX_FRAME
    assert _wire.frame_length(struct.pack(">Q", limit)) == limit
    for announced in (limit + 1, 2**64 - 1):
        with pytest.raises(_wire.WireError, match="exceeds"):
            _wire.frame_length(struct.pack(">Q", announced))


@pytest.mark.parametrize("header", [b"", b"\x00" * 7, b"\x00" * 9])
def test_a_header_that_is_not_8_bytes_is_refused(header):
    with pytest.raises(_wire.WireError, match="truncated message header"):
        _wire.frame_length(header)


def test_pack_refuses_a_message_over_the_limit(monkeypatch):
    monkeypatch.setattr(_wire, "MAX_FRAME", 10_000)
    _wire.pack({"op": "x"}, {"a0": np.zeros(100)})  # fits
    with pytest.raises(_wire.WireError, match="exceeds the 10000-byte limit"):
        _wire.pack({"op": "x"}, {"a0": np.zeros(10_000)})


@pytest.mark.parametrize(
    "node", [{"t": "pickle", "v": "x"}, {}, {"t": None}], ids=["pickle", "no type", "none type"]
)
def test_unknown_node_types_are_refused(node):
    with pytest.raises(_wire.WireError, match="unknown node type"):
        _wire.decode(node, {}, _wire.Peer())


def test_frames_carry_arbitrary_json_metadata_unchanged():
    meta = {"op": "call", "list": [1, "two", None], "nested": {"a": True}}
    frame = _wire.pack(meta)
    assert _wire.unpack(frame[8:]) == (meta, {})
