"""Expected results for the hidden a3_training tests, computed with snnTorch 1.0.0.

Everything here runs in the grader process and never imports the student's code. The
reference network is `ReferenceMLP` (nn.Linear and snn.Leaky) with
`snntorch.surrogate.fast_sigmoid` as its spike function, or with the harnesses'
`boxcar_spike` where a test gives the student's network that instrument. Hidden
suites never ship in the student template, so the reference implementations live
here and not in `autograder.harnesses`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import snntorch as snn
import torch
import torch.nn.functional as F
from snntorch import surrogate
from torch import Tensor, nn

from autograder.data import load_subset, to_float_images
from autograder.harnesses.training import (
    BOXCAR_HALF_WIDTH,
    LINEAR_LAYERS,
    OPTIMIZERS,
    ProbeNetwork,
    boxcar_spike,
    parameter_state,
    probe_loss,
    run_leaky,
)

#: Harness functions, as `StudentModule.run_harness` names them.
HARNESS = "autograder.harnesses.training"

DTYPES = (torch.float32, torch.float64)

#: Minimum distance between every membrane of a network case and the threshold (1.0),
#: and between every membrane and the edges of `boxcar_spike`'s gradient window
#: (threshold +- `BOXCAR_HALF_WIDTH`). Reordered float32 sums move a membrane by far
#: less, so they never flip a spike or a boxcar gradient.
THRESHOLD_MARGIN = 1e-5

#: Factors applied to the freshly initialised weights of a network case. With
#: PyTorch's default initialisation about 1 % of the output steps spike. With these
#: factors about 10 % of the hidden and 25 % of the output steps do, so a wrong spike
#: or reset shows in the outputs.
WEIGHT_GAINS = {"fc1": 2.0, "fc2": 4.0}

#: Seeds tried per network case before the suite gives up, starting at the case's own seed.
MAX_ATTEMPTS = 50

#: The slope of `fast_sigmoid()` without arguments, in snnTorch 1.0.0 and in the assignment.
DEFAULT_SLOPE = 25.0


def harness(name: str) -> str:
    """Return the full harness name for a function of `autograder.harnesses.training`."""
    return f"{HARNESS}:{name}"


class ReferenceMLP(nn.Module):
    """The grader's two-layer spiking network: fc1 -> lif1 -> fc2 -> lif2, membranes reset per call.

    `forward` returns `(spk_rec, mem_rec)` of the output layer, each
    `[num_steps, batch, num_outputs]`. `hidden_mem_rec` keeps the hidden membranes of
    the last call, `[num_steps, batch, num_hidden]`.
    """

    def __init__(
        self,
        spike_grad: Callable[[Tensor], Tensor],
        num_inputs: int = 784,
        num_hidden: int = 128,
        num_outputs: int = 10,
        beta: float = 0.95,
        num_steps: int = 10,
    ) -> None:
        super().__init__()
        self.num_steps = num_steps
        self.fc1 = nn.Linear(num_inputs, num_hidden)
        self.lif1 = snn.Leaky(beta=beta, spike_grad=spike_grad)
        self.fc2 = nn.Linear(num_hidden, num_outputs)
        self.lif2 = snn.Leaky(beta=beta, spike_grad=spike_grad)
        self.hidden_mem_rec: Tensor | None = None

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        cur1 = self.fc1(x.flatten(start_dim=1))
        mem1 = torch.zeros_like(cur1)
        mem2 = torch.zeros(cur1.shape[0], self.fc2.out_features, dtype=cur1.dtype)
        spk_rec, mem_rec, hidden_mem_rec = [], [], []
        for _ in range(self.num_steps):
            spk1, mem1 = self.lif1(cur1, mem1)
            spk2, mem2 = self.lif2(self.fc2(spk1), mem2)
            spk_rec.append(spk2)
            mem_rec.append(mem2)
            hidden_mem_rec.append(mem1)
        self.hidden_mem_rec = torch.stack(hidden_mem_rec).detach()
        return torch.stack(spk_rec), torch.stack(mem_rec)


def membrane_loss(mem_rec: Tensor, targets: Tensor) -> Tensor:
    """Return sum_t cross_entropy(mem_rec[t], targets), the loss the assignment defines."""
    loss = torch.zeros((), dtype=mem_rec.dtype)
    for step in range(mem_rec.shape[0]):
        loss = loss + F.cross_entropy(mem_rec[step], targets)
    return loss


def linear_state(net: nn.Module) -> dict[str, Tensor]:
    """Return copies of the weights and biases of `fc1` and `fc2`, keyed as in `state_dict`."""
    return {
        f"{layer}.{name}": tensor.detach().clone()
        for layer in LINEAR_LAYERS
        for name, tensor in getattr(net, layer).named_parameters()
    }


def surrogate_oracle(x: Tensor, slope: float, grad_output: Tensor) -> tuple[Tensor, Tensor]:
    """Return snnTorch's fast-sigmoid spikes of `x` (in `x`'s dtype) and the gradient for `grad_output`.

    snnTorch returns float32 spikes for every input dtype; the assignment keeps the
    input's dtype, so the spikes are converted. The values are 0 and 1 either way.
    snnTorch's backward pass receives `grad_output` as float32, so the expected
    gradient is exact only if `grad_output` contains float32 values: draw it in float32.

    Backpropagating `sum(spikes * grad_output)` sends exactly `grad_output` to the
    spikes, like `spikes.backward(grad_output)` but without the latter's shape check,
    which imports sympy (0.3 s on its first call in a process).
    """
    x = x.clone().requires_grad_(True)
    spikes = surrogate.fast_sigmoid(slope)(x)
    (spikes * grad_output.to(spikes.dtype)).sum().backward()
    return spikes.detach().to(x.dtype), x.grad.to(x.dtype)


def leaky_oracle(inputs: Tensor, beta: float, slope: float, spike_weights: Tensor) -> dict[str, Tensor]:
    """Run snn.Leaky with snnTorch's fast sigmoid as `leaky_with_spike_function` does; return its results."""
    inputs, spk_rec, mem_rec = run_leaky(surrogate.fast_sigmoid(slope), inputs, beta)
    (spk_rec * spike_weights).sum().backward()
    return {"spk_rec": spk_rec.detach(), "mem_rec": mem_rec.detach(), "grad": inputs.grad}


def reference_network(kwargs: dict[str, Any], seed: int) -> ReferenceMLP:
    """Return `ReferenceMLP(fast_sigmoid(25), **kwargs)` with weights drawn from `seed`."""
    torch.manual_seed(seed)
    return ReferenceMLP(surrogate.fast_sigmoid(DEFAULT_SLOPE), **kwargs)


def mnist_test_images(count: int, offset: int = 0) -> Tensor:
    """Return `count` test digits from `offset` on, as float32 `[count, 1, 28, 28]` in [0, 1]."""
    images = load_subset()["test"].images[offset : offset + count]
    return to_float_images(torch.from_numpy(images))


@dataclass(frozen=True)
class NetworkCase:
    """Weights, input and the reference network's output for one forward pass."""

    kwargs: dict[str, Any]
    weights: dict[str, Tensor]
    x: Tensor
    spk_rec: Tensor
    mem_rec: Tensor
    seed: int

    def context(self) -> str:
        settings = ", ".join(f"{key}={value}" for key, value in self.kwargs.items()) or "default arguments"
        return f"SpikingMLP({settings}), input of shape {tuple(self.x.shape)}, weights from seed {self.seed}"


def _margin(net: ReferenceMLP, mem_rec: Tensor) -> float:
    """Return the smallest distance of a membrane to the threshold or to an edge of the boxcar window."""
    membranes = torch.cat([net.hidden_mem_rec.reshape(-1), mem_rec.reshape(-1)])
    offsets = (membranes - 1.0).abs()
    return float(torch.minimum(offsets, (offsets - BOXCAR_HALF_WIDTH).abs()).min())


def sample_network_case(kwargs: dict[str, Any], seed: int, x: Tensor | None = None) -> NetworkCase:
    """Draw weights until the reference network is well conditioned on `x`.

    Each attempt draws new weights, scales them by `WEIGHT_GAINS` and, when `x` is
    None, draws 6 inputs uniform in [0, 1). Well conditioned means that every
    membrane stays `THRESHOLD_MARGIN` away from the threshold and from the edges of
    the boxcar window, and that the output layer has both spikes and silent steps.

    Raises:
        RuntimeError: no seed in `MAX_ATTEMPTS` qualifies; change the case, not the submission.
    """
    for attempt in range(MAX_ATTEMPTS):
        net = reference_network(kwargs, seed + attempt)
        with torch.no_grad():
            for layer, gain in WEIGHT_GAINS.items():
                for parameter in getattr(net, layer).parameters():
                    parameter.mul_(gain)
        inputs = x
        if inputs is None:
            generator = torch.Generator().manual_seed(seed + attempt)
            inputs = torch.rand(6, net.fc1.in_features, generator=generator)
        with torch.no_grad():
            spk_rec, mem_rec = net(inputs)
        fired = spk_rec.bool()
        if _margin(net, mem_rec) > THRESHOLD_MARGIN and bool(fired.any()) and not bool(fired.all()):
            return NetworkCase(kwargs, linear_state(net), inputs, spk_rec, mem_rec, seed + attempt)
    raise RuntimeError(f"no well-conditioned network case in seeds {seed}..{seed + MAX_ATTEMPTS - 1} for {kwargs}")


#: Constructor arguments of the custom network case: every argument differs from its default.
CUSTOM_KWARGS = {"num_inputs": 50, "num_hidden": 30, "num_outputs": 5, "beta": 0.8, "num_steps": 15}


@functools.lru_cache(maxsize=None)
def default_case() -> NetworkCase:
    """Return the default network (784-128-10, beta 0.95, 10 steps) on 8 MNIST test digits."""
    return sample_network_case({}, seed=4100, x=mnist_test_images(8))


@functools.lru_cache(maxsize=None)
def custom_case() -> NetworkCase:
    """Return the `CUSTOM_KWARGS` network on 6 random inputs uniform in [0, 1)."""
    return sample_network_case(CUSTOM_KWARGS, seed=4200)


def boxcar_gradients(case: NetworkCase, mem_weights: Tensor) -> dict[str, Tensor]:
    """Return the gradients of `sum(mem_rec * mem_weights)` for fc1 and fc2 of the case's reference network.

    Both layers use `boxcar_spike`, the spike function that the `mlp_gradients`
    harness gives the student's network.
    """
    net = ReferenceMLP(boxcar_spike, **case.kwargs)
    net.load_state_dict(case.weights, strict=False)
    _, mem_rec = net(case.x)
    (mem_rec * mem_weights).sum().backward()
    return {
        f"{layer}.{name}": parameter.grad
        for layer in LINEAR_LAYERS
        for name, parameter in getattr(net, layer).named_parameters()
    }


def reference_train_epoch(
    probe_kwargs: dict[str, Any],
    weights: dict[str, Tensor],
    images: Tensor,
    targets: Tensor,
    batch_size: int,
    optimizer: str,
    lr: float,
) -> tuple[dict[str, Tensor], float]:
    """Train the harnesses' `ProbeNetwork` with `probe_loss` for one pass as the assignment defines it.

    For each batch in order: forward, loss, `zero_grad`, backward, step. Returns the
    weights afterwards and the mean of the batch losses.
    """
    net = ProbeNetwork(**probe_kwargs)
    net.load_state_dict(weights)
    optimizer_instance = OPTIMIZERS[optimizer](net.parameters(), lr=lr)
    losses = []
    for images_batch, targets_batch in zip(images.split(batch_size), targets.split(batch_size)):
        _, mem_rec = net(images_batch)
        loss = probe_loss(mem_rec, targets_batch)
        optimizer_instance.zero_grad()
        loss.backward()
        optimizer_instance.step()
        losses.append(loss.item())
    return parameter_state(net), sum(losses) / len(losses)


def train_case(seed: int, batches: int, batch_size: int = 8) -> dict[str, Any]:
    """Return a `ProbeNetwork` setting, its weights and random data for `batches` full batches."""
    probe_kwargs = {"num_inputs": 16, "num_outputs": 4, "num_steps": 6}
    torch.manual_seed(seed)
    net = ProbeNetwork(**probe_kwargs)
    generator = torch.Generator().manual_seed(seed)
    count = batches * batch_size
    images = torch.rand(count, 16, generator=generator) * 1.5
    targets = torch.randint(0, 4, (count,), generator=generator)
    return {"probe_kwargs": probe_kwargs, "weights": parameter_state(net), "images": images, "targets": targets}


def spike_count_accuracy(spk_rec: Tensor, targets: Tensor) -> float:
    """Return the fraction of samples whose largest spike count (first one on ties) is the target."""
    predictions = spk_rec.sum(dim=0).argmax(dim=1)
    return float((predictions == targets).double().mean())
