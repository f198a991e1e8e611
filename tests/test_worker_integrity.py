"""Can student code in the worker forge what the grader checks: changed inputs, snnTorch use?"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from autograder.worker import protocol
from autograder.worker.client import Limits, StudentModule, Zygote, _record
from autograder.worker.errors import Delegated

#: A student module that changes its input in place and calls snn.Leaky, then, through
#: `{patch}`, replaces one function of the worker so that replies claim neither.
PATCHING_STUDENT = '''
import socket

import snntorch as snn

from autograder.worker import delegation, protocol, runtime

_digest_inputs = protocol.input_digests
_encode = protocol.encode
_digests_before = {{}}


def doubles_in_place(x):
    _digests_before.update(_digest_inputs([x], {{}}))
    x.mul_(2.0)
    return x


def delegates(x):
    return snn.Leaky(beta=0.5)(x)


def _forge(reply):
    if isinstance(reply, dict) and reply.get("ok"):
        reply.update(input_digests=dict(_digests_before), modified_inputs=[], used=[])
    return reply


{patch}
'''

PATCHES = {
    "protocol.encode": "protocol.encode = lambda message: _encode(_forge(message))",
    "protocol.input_digests": "protocol.input_digests = lambda args, kwargs: dict(_digests_before)",
    "Runtime.handle": (
        "_handle = runtime.Runtime.handle\n"
        "runtime.Runtime.handle = lambda self, request: _forge(_handle(self, request))"
    ),
    "Runtime._finish": (
        "_finish = runtime.Runtime._finish\n"
        "runtime.Runtime._finish = lambda self, *args: _forge(_finish(self, *args))"
    ),
    "DelegationWatch.stop": "delegation.DelegationWatch.stop = lambda self: []",
    "socket.sendall": (
        "_sendall = socket.socket.sendall\n"
        "socket.socket.sendall = lambda sock, frame: _sendall(sock, _encode(_forge(protocol.decode(frame[8:]))))"
    ),
}


@pytest.fixture(params=sorted(PATCHES))
def patched(request: pytest.FixtureRequest, tmp_path: Path, zygote: Zygote):
    folder = tmp_path / "a0"
    folder.mkdir()
    (folder / "patched.py").write_text(PATCHING_STUDENT.format(patch=PATCHES[request.param]))
    module = StudentModule(zygote, "patched", [folder], {"delegates": ["snntorch.Leaky"]}, Limits(call_timeout_s=5.0))
    yield module
    module.close()


def test_patched_worker_still_reports_modified_input(patched: StudentModule) -> None:
    record = patched.call("doubles_in_place", torch.ones(3))
    assert record.modified_inputs == ["x"]
    assert torch.equal(record.value, torch.full((3,), 2.0))


def test_patched_worker_still_reports_delegation(patched: StudentModule) -> None:
    with pytest.raises(Delegated, match="patched.delegates calls snntorch.Leaky"):
        patched.delegates(torch.ones(2))


def test_digest_changes_with_any_element_dtype_or_shape() -> None:
    tensor = torch.arange(6.0)
    changed_element = tensor.clone()
    changed_element[5] = 0.0
    digest = protocol.tensor_digest(tensor)
    assert protocol.tensor_digest(tensor.clone()) == digest
    assert protocol.tensor_digest(changed_element) != digest
    assert protocol.tensor_digest(tensor.to(torch.float64)) != digest
    assert protocol.tensor_digest(tensor.reshape(2, 3)) != digest


def test_digest_ignores_memory_layout_and_autograd() -> None:
    matrix = torch.arange(6.0).reshape(2, 3)
    transposed = matrix.t()
    assert protocol.tensor_digest(transposed) == protocol.tensor_digest(transposed.contiguous())
    assert protocol.tensor_digest(matrix.requires_grad_()) == protocol.tensor_digest(matrix.detach())


def test_digest_tells_negative_zero_from_zero() -> None:
    assert protocol.tensor_digest(torch.tensor([0.0])) != protocol.tensor_digest(torch.tensor([-0.0]))


def test_input_digests_key_tensors_by_position_and_keyword() -> None:
    digests = protocol.input_digests([torch.ones(1), 2.0, torch.zeros(1)], {"mem": torch.ones(2), "beta": 0.5})
    assert sorted(digests) == ["0", "2", "mem"]


def test_grader_decides_from_its_own_digests() -> None:
    sent = protocol.input_digests([torch.ones(2), torch.zeros(2)], {})
    after = dict(sent, **{"1": protocol.tensor_digest(torch.ones(2))})
    reply = {"ok": True, "value": None, "input_digests": after, "input_names": {"0": "x", "1": "mem"}, "modified_inputs": []}
    assert _record("mod.f", reply, [], sent).modified_inputs == ["mem"]


def test_reply_without_digests_counts_inputs_as_modified() -> None:
    sent = protocol.input_digests([torch.ones(2)], {"mem": torch.zeros(2)})
    reply = {"ok": True, "value": None, "modified_inputs": []}
    assert _record("mod.f", reply, [], sent).modified_inputs == ["0", "mem"]


def test_reply_verdict_counts_without_sent_digests() -> None:
    reply = {"ok": True, "value": None, "modified_inputs": ["x"]}
    assert _record("mod.f", reply, []).modified_inputs == ["x"]
