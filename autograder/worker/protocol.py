"""Message format between the grader and the worker: length-prefixed JSON.

Only plain data crosses the process boundary: None, booleans, numbers (NaN and
infinities included), strings, lists, tuples, string-keyed dicts, torch tensors, NumPy
arrays and CPU `torch.Generator`s (as their state tensor). Tensors and arrays travel as
dtype, shape and raw bytes, so decoding a reply never runs code from the other side
(no pickle, no `torch.load`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
from typing import Any

import numpy as np
import torch

#: Default cap on one message, so a runaway reply cannot exhaust the grader's memory.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024

_HEADER = struct.Struct(">Q")

_TORCH_DTYPES = {
    "bool": torch.bool,
    "uint8": torch.uint8,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
}
_TORCH_NAMES = {dtype: name for name, dtype in _TORCH_DTYPES.items()}
_NUMPY_DTYPES = {name for name in _TORCH_DTYPES if name != "bfloat16"}


class ProtocolError(Exception):
    """A message that is malformed, too large, or contains a type the protocol does not carry."""


def _encode_bytes(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _raw_bytes(tensor: torch.Tensor) -> bytes:
    """Return the elements of a detached, contiguous CPU tensor as bytes, in row-major order."""
    return tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""


def _to_plain(value: Any, depth: int = 0) -> Any:
    if depth > 64:
        raise ProtocolError("value is nested more than 64 levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        if tensor.dtype not in _TORCH_NAMES:
            raise ProtocolError(f"tensors of dtype {tensor.dtype} are not supported")
        raw = _raw_bytes(tensor)
        return {"$tensor": {"dtype": _TORCH_NAMES[tensor.dtype], "shape": list(tensor.shape), "data": _encode_bytes(raw)}}
    if isinstance(value, np.ndarray):
        name = value.dtype.name
        if name not in _NUMPY_DTYPES:
            raise ProtocolError(f"arrays of dtype {value.dtype} are not supported")
        raw = np.ascontiguousarray(value).tobytes()
        return {"$ndarray": {"dtype": name, "shape": list(value.shape), "data": _encode_bytes(raw)}}
    if isinstance(value, torch.Generator):
        if value.device.type != "cpu":
            raise ProtocolError("only CPU generators are supported")
        return {"$generator": _to_plain(value.get_state(), depth + 1)}
    if isinstance(value, np.generic):
        return _to_plain(value.item(), depth)
    if isinstance(value, tuple):  # torch.Size is a tuple too
        return {"$tuple": [_to_plain(item, depth + 1) for item in value]}
    if isinstance(value, list):
        return [_to_plain(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ProtocolError("only dicts with string keys are supported")
        return {"$dict": {key: _to_plain(item, depth + 1) for key, item in value.items()}}
    raise ProtocolError(f"values of type {type(value).__name__} are not supported")


def _decode_buffer(spec: Any, kind: str) -> tuple[str, list[int], bytes]:
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data"}:
        raise ProtocolError(f"malformed {kind} record")
    dtype, shape, data = spec["dtype"], spec["shape"], spec["data"]
    if not isinstance(dtype, str) or not isinstance(data, str):
        raise ProtocolError(f"malformed {kind} record")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise ProtocolError(f"malformed {kind} shape {shape!r}")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError as exc:
        raise ProtocolError(f"malformed {kind} data: {exc}") from None
    return dtype, shape, raw


def _decode_tensor(spec: Any) -> torch.Tensor:
    name, shape, raw = _decode_buffer(spec, "tensor")
    dtype = _TORCH_DTYPES.get(name)
    if dtype is None:
        raise ProtocolError(f"unsupported tensor dtype {name!r}")
    numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
    itemsize = torch.empty((), dtype=dtype).element_size()
    if len(raw) != numel * itemsize:
        raise ProtocolError(f"tensor data has {len(raw)} bytes, expected {numel * itemsize}")
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape)


def _decode_array(spec: Any) -> np.ndarray:
    name, shape, raw = _decode_buffer(spec, "array")
    if name not in _NUMPY_DTYPES:
        raise ProtocolError(f"unsupported array dtype {name!r}")
    dtype = np.dtype(name)
    numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if len(raw) != numel * dtype.itemsize:
        raise ProtocolError(f"array data has {len(raw)} bytes, expected {numel * dtype.itemsize}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _decode_generator(spec: Any) -> torch.Generator:
    state = _from_plain(spec)
    if not isinstance(state, torch.Tensor) or state.dtype != torch.uint8 or state.dim() != 1:
        raise ProtocolError("malformed generator state")
    generator = torch.Generator()
    try:
        generator.set_state(state)
    except RuntimeError as exc:
        raise ProtocolError(f"invalid generator state: {exc}") from None
    return generator


_TAGGED = {
    "$tensor": _decode_tensor,
    "$ndarray": _decode_array,
    "$generator": _decode_generator,
}


def _from_plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_from_plain(item) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, body),) = value.items()
        if tag in _TAGGED:
            return _TAGGED[tag](body)
        if tag == "$tuple" and isinstance(body, list):
            return tuple(_from_plain(item) for item in body)
        if tag == "$dict" and isinstance(body, dict):
            return {key: _from_plain(item) for key, item in body.items()}
    raise ProtocolError(f"unexpected value in message: {str(value)[:80]}")


def tensor_digest(tensor: torch.Tensor) -> str:
    """Return the SHA-256 digest of a tensor's dtype, shape and elements, as hex."""
    tensor = tensor.detach().cpu().contiguous()
    digest = hashlib.sha256(f"{tensor.dtype} {list(tensor.shape)}\n".encode("ascii"))
    digest.update(_raw_bytes(tensor))
    return digest.hexdigest()


def input_digests(args: list[Any] | tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, str]:
    """Return the digest of each tensor argument of a call, keyed by position ("0", "1") or keyword.

    The grader takes them before it sends a call and the worker after it ran the call, so
    an argument the call changed in place has two different digests.
    """
    keyed = {str(index): value for index, value in enumerate(args)} | dict(kwargs)
    return {key: tensor_digest(value) for key, value in keyed.items() if isinstance(value, torch.Tensor)}


def changed_inputs(before: dict[str, str], after: Any, names: Any) -> list[str]:
    """Return the names of the arguments whose digest in `after` differs from the one in `before`.

    `after` and `names` may come from the worker, so a key missing from `after` counts as
    changed, and a key missing from `names` (parameter names by key) names itself.
    """
    after = after if isinstance(after, dict) else {}
    names = names if isinstance(names, dict) else {}
    return [str(names.get(key, key)) for key, digest in before.items() if after.get(key) != digest]


def encode(message: dict[str, Any]) -> bytes:
    """Encode a message (a dict of plain data) as one frame: an 8-byte length, then JSON."""
    payload = json.dumps(_to_plain(message), allow_nan=True, separators=(",", ":")).encode("utf-8")
    return _HEADER.pack(len(payload)) + payload


def decode(payload: bytes) -> dict[str, Any]:
    """Decode the JSON body of one frame into a dict of plain data."""
    try:
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"message is not valid JSON: {exc}") from None
    try:
        message = _from_plain(document)
    except RecursionError:
        raise ProtocolError("message is nested too deeply") from None
    if not isinstance(message, dict):
        raise ProtocolError("message is not a dict")
    return message


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    """Send one message on a connected stream socket."""
    sock.sendall(encode(message))


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        chunks += chunk
    return bytes(chunks)


def receive(sock: socket.socket, max_bytes: int = MAX_MESSAGE_BYTES) -> dict[str, Any]:
    """Receive one message; raise EOFError when the peer has closed the connection."""
    (size,) = _HEADER.unpack(_recv_exactly(sock, _HEADER.size))
    if size > max_bytes:
        raise ProtocolError(f"message of {size} bytes exceeds the limit of {max_bytes} bytes")
    return decode(_recv_exactly(sock, size))
