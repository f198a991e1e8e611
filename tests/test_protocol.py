"""Does the worker protocol carry plain data faithfully and reject everything else?"""

from __future__ import annotations

import json
import math
import pickle
import socket
import struct

import numpy as np
import pytest
import torch

from autograder.worker import protocol
from autograder.worker.protocol import ProtocolError


def roundtrip(value: object) -> object:
    frame = protocol.encode({"value": value})
    return protocol.decode(frame[8:])["value"]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int64, torch.uint8, torch.bool])
def test_tensor_roundtrip_keeps_dtype_and_values(dtype: torch.dtype) -> None:
    tensor = (torch.arange(12).reshape(3, 4) % 3).to(dtype)
    decoded = roundtrip(tensor)
    assert isinstance(decoded, torch.Tensor)
    assert decoded.dtype == dtype
    assert torch.equal(decoded, tensor)


def test_noncontiguous_and_empty_tensors_roundtrip() -> None:
    transposed = torch.arange(6.0).reshape(2, 3).t()
    assert torch.equal(roundtrip(transposed), transposed)
    empty = torch.empty(0, 4)
    decoded = roundtrip(empty)
    assert decoded.shape == (0, 4)


def test_scalar_tensor_roundtrip() -> None:
    decoded = roundtrip(torch.tensor(2.5, dtype=torch.float64))
    assert decoded.shape == ()
    assert decoded.item() == 2.5


def test_nonfinite_floats_roundtrip() -> None:
    decoded = roundtrip([math.nan, math.inf, -math.inf, torch.tensor([math.nan])])
    assert math.isnan(decoded[0])
    assert decoded[1] == math.inf
    assert decoded[2] == -math.inf
    assert torch.isnan(decoded[3]).all()


def test_containers_keep_their_types() -> None:
    value = {"a": (1, 2.0, "x", None, True), "b": [torch.Size([2, 3])], "c": np.arange(4, dtype=np.int32)}
    decoded = roundtrip(value)
    assert decoded["a"] == (1, 2.0, "x", None, True)
    assert decoded["b"] == [(2, 3)]
    assert isinstance(decoded["c"], np.ndarray)
    assert decoded["c"].tolist() == [0, 1, 2, 3]


def test_dict_with_tag_like_key_is_not_mistaken_for_tensor() -> None:
    assert roundtrip({"$tensor": 1}) == {"$tensor": 1}


@pytest.mark.parametrize("value", [object(), {1: "int key"}, 1 + 2j, torch.tensor([1 + 1j])])
def test_unsupported_values_are_rejected(value: object) -> None:
    with pytest.raises(ProtocolError):
        protocol.encode({"value": value})


def test_pickle_payload_is_rejected() -> None:
    with pytest.raises(ProtocolError):
        protocol.decode(pickle.dumps({"value": 1}))


@pytest.mark.parametrize(
    "document",
    [
        [1, 2],
        {"value": {"$tensor": {"dtype": "float32", "shape": [2], "data": "AAAA"}}},
        {"value": {"$tensor": {"dtype": "object", "shape": [1], "data": ""}}},
        {"value": {"$tensor": {"dtype": "float32", "shape": [-1], "data": ""}}},
        {"value": {"$tensor": {"dtype": "float32", "shape": [1], "data": "not base64!"}}},
        {"value": {"$tuple": "x"}},
        {"value": {"$unknown": 1}},
    ],
)
def test_malformed_documents_are_rejected(document: object) -> None:
    with pytest.raises(ProtocolError):
        protocol.decode(json.dumps(document).encode())


def test_oversized_message_is_rejected_before_reading() -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(struct.pack(">Q", 10**12))
        with pytest.raises(ProtocolError, match="exceeds the limit"):
            protocol.receive(right, max_bytes=1024)


def test_closed_connection_raises_eof() -> None:
    left, right = socket.socketpair()
    with right:
        left.close()
        with pytest.raises(EOFError):
            protocol.receive(right)


def test_generator_roundtrip_continues_same_stream() -> None:
    generator = torch.Generator().manual_seed(7)
    torch.rand(5, generator=generator)
    decoded = roundtrip(generator)
    assert isinstance(decoded, torch.Generator)
    assert torch.equal(torch.rand(4, generator=decoded), torch.rand(4, generator=generator))


def test_malformed_generator_state_is_rejected() -> None:
    document = {"value": {"$generator": {"$tensor": {"dtype": "uint8", "shape": [2], "data": "AAA="}}}}
    with pytest.raises(ProtocolError):
        protocol.decode(json.dumps(document).encode())
