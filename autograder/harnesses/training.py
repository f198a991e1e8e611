"""Harnesses for the training assignment: build, run and train the student's network.

They run in the worker. The grader sends images and training labels, never test
labels, and computes every score from the plain data these functions return.

This module ships in the student template, because the worker imports it next to the
student's code, so it contains no implementation of a graded function or class.
Where a test needs a spike function, a network or a loss of its own, it uses an
instrument that is deliberately different from the graded one. `boxcar_spike`
replaces the fast sigmoid, `ProbeNetwork` and `probe_loss` replace `SpikingMLP` and
`membrane_ce_loss`, and `ReplayNetwork` drives `evaluate`. The grader computes
expected values with the same instruments, or with snnTorch in the hidden suites.
No instrument calls `snntorch.surrogate`, because a harness call named after
`SpikingMLP` or `fast_sigmoid` that touches it is flagged as delegation.
"""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any, Callable

import snntorch as snn
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

from autograder.data import to_float_images

#: Test images are run through the network in chunks of this size.
PREDICT_BATCH = 500

#: CPU threads for `train_and_predict`. The default network's batches are small, so on
#: 2 cores one thread trained as fast as two (10 Adam steps at batch size 128: 0.068 s
#: and 0.077 s). While another process kept those cores busy, the 5-epoch run took 4 s
#: on one thread and 10 to 15 s on two.
TRAINING_THREADS = 1

#: Names of the trainable layers that the grader loads weights into.
LINEAR_LAYERS = ("fc1", "fc2")


def eager_optimizer(optimizer_class: type[torch.optim.Optimizer]) -> type[torch.optim.Optimizer]:
    """Return a subclass of a `torch.optim` optimizer that runs without torch's guards against `torch.compile`.

    In torch 2.x, `add_param_group`, `zero_grad` and `step` of every optimizer are
    wrapped so that `torch.compile` does not trace them. The wrappers import
    `torch._dynamo` on their first call, which took 0.7 s on an idle 2-core machine
    and over 1.5 s on a busy one, in every worker and in the grader. The subclass calls
    the functions inside the wrappers, and runs `step` with gradients enabled only for
    a differentiable optimizer, as the wrapper does, so it computes the same weights
    (bit for bit with torch 2.14).
    """
    unwrapped_step = inspect.unwrap(optimizer_class.step)

    class EagerOptimizer(optimizer_class):  # type: ignore[valid-type, misc]
        __doc__ = optimizer_class.__doc__
        add_param_group = inspect.unwrap(torch.optim.Optimizer.add_param_group)
        zero_grad = inspect.unwrap(torch.optim.Optimizer.zero_grad)

        def step(self, closure: Callable[[], float] | None = None) -> Any:
            with torch.set_grad_enabled(bool(self.defaults["differentiable"])):
                return unwrapped_step(self, closure)

    # Printed, the optimizer reads `Adam (...)` or `SGD (...)`, as torch's own class does.
    EagerOptimizer.__name__ = EagerOptimizer.__qualname__ = optimizer_class.__name__
    return EagerOptimizer


#: Optimizer classes by name, for the student's `train_epoch` and the grader's reference loop.
OPTIMIZERS = {"sgd": eager_optimizer(torch.optim.SGD), "adam": eager_optimizer(torch.optim.Adam)}

#: `boxcar_spike` passes the gradient through where |x| is below this value.
BOXCAR_HALF_WIDTH = 0.5


def boxcar_spike(x: Tensor) -> Tensor:
    """Compute Heaviside spikes `x > 0` in the dtype of `x`, with gradient 1 where |x| < 0.5 and 0 elsewhere.

    This straight-through boxcar surrogate lets the grader test backpropagation
    through time without the student's surrogate. The term `g - g.detach()`, with
    `g = x * window`, is exactly zero in the forward pass and has the window as its
    derivative, so the spikes are exact and the gradient is the window.
    """
    spikes = (x > 0).to(x.dtype)
    window = (x.abs() < BOXCAR_HALF_WIDTH).to(x.dtype)
    passthrough = x * window
    return spikes + (passthrough - passthrough.detach())


class ProbeNetwork(nn.Module):
    """A non-spiking stand-in for `SpikingMLP` that `train_epoch` is tested on.

    One linear layer `fc` drives every step, scaled by the step's position:
    `mem_rec[t] = fc(x) * (t + 1) / num_steps`, and `spk_rec = sigmoid(mem_rec)`. Both
    are `[num_steps, batch, num_outputs]` and differ from each other, so a loop that
    computes the loss from the wrong record changes the weights differently.
    """

    def __init__(self, num_inputs: int, num_outputs: int, num_steps: int) -> None:
        super().__init__()
        self.num_steps = num_steps
        self.fc = nn.Linear(num_inputs, num_outputs)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        current = self.fc(x.flatten(start_dim=1))
        step_scale = torch.arange(1, self.num_steps + 1, dtype=current.dtype) / self.num_steps
        mem_rec = step_scale.reshape(-1, 1, 1) * current
        return torch.sigmoid(mem_rec), mem_rec


def probe_loss(mem_rec: Tensor, targets: Tensor) -> Tensor:
    """Compute the mean squared error between the membranes of every step and the one-hot targets.

    It is the `loss_fn` that `train_epoch` receives in its tests, deliberately not the
    assignment's loss, so that those tests grade the loop alone.
    """
    one_hot = F.one_hot(targets, mem_rec.shape[-1]).to(mem_rec.dtype)
    return F.mse_loss(mem_rec, one_hot.expand_as(mem_rec))


def parameter_state(net: nn.Module) -> dict[str, Tensor]:
    """Return detached copies of the parameters of `net`, keyed by name."""
    return {name: parameter.detach().clone() for name, parameter in net.named_parameters()}


def _spikes_and_gradient(spike: Callable[[Tensor], Tensor], x: Tensor, grad_output: Tensor) -> dict[str, Any]:
    x = x.clone().requires_grad_(True)
    output = spike(x)
    # A spike function without a backward pass returns a tensor outside the graph; the
    # test then reports that no gradient reached x.
    if isinstance(output, Tensor) and output.requires_grad:
        if output.shape != grad_output.shape:
            raise ValueError(
                f"the spike function returned shape {tuple(output.shape)} for an input of shape {tuple(x.shape)}, "
                "but spikes have the shape of the input"
            )
        # This sends exactly grad_output back to the output, like output.backward(grad_output)
        # but without the latter's shape check, which imports sympy (0.3 s in a new worker).
        (output * grad_output).sum().backward()
    return {"output": output, "grad": x.grad}


def surrogate_forward_backward(module: ModuleType, x: Tensor, slope: float, grad_output: Tensor) -> dict[str, Any]:
    """Apply the student's `FastSigmoid` to `x` and backpropagate `grad_output`.

    Returns:
        `output`, the spikes, and `grad`, the gradient reaching `x` (None if none does).
    """
    return _spikes_and_gradient(lambda v: module.FastSigmoid.apply(v, slope), x, grad_output)


def spike_function_forward_backward(
    module: ModuleType, x: Tensor, slope: float | None, grad_output: Tensor
) -> dict[str, Any]:
    """Apply `fast_sigmoid(slope)`, or `fast_sigmoid()` if `slope` is None, to `x` and backpropagate `grad_output`.

    Returns:
        `output` and `grad` as in `surrogate_forward_backward`.
    """
    spike = module.fast_sigmoid() if slope is None else module.fast_sigmoid(slope)
    return _spikes_and_gradient(spike, x, grad_output)


def run_leaky(spike_grad: Callable[[Tensor], Tensor], inputs: Tensor, beta: float) -> tuple[Tensor, Tensor, Tensor]:
    """Run `snn.Leaky(beta, spike_grad)` over dim 0 of a copy of `inputs` that requires a gradient.

    Returns:
        The copy of `inputs`, then `spk_rec` and `mem_rec`, each shaped like `inputs`.
    """
    neuron = snn.Leaky(beta=beta, spike_grad=spike_grad)
    inputs = inputs.clone().requires_grad_(True)
    mem = torch.zeros_like(inputs[0])
    spikes, membranes = [], []
    for step in range(inputs.shape[0]):
        spk, mem = neuron(inputs[step], mem)
        spikes.append(spk)
        membranes.append(mem)
    return inputs, torch.stack(spikes), torch.stack(membranes)


def leaky_with_spike_function(
    module: ModuleType, inputs: Tensor, beta: float, slope: float, spike_weights: Tensor
) -> dict[str, Any]:
    """Run `snn.Leaky(beta, spike_grad=fast_sigmoid(slope))` over dim 0 of `inputs`.

    The membrane starts at zero. The loss `sum(spk_rec * spike_weights)` is
    backpropagated through all steps.

    Returns:
        `spk_rec`, `mem_rec` (each shaped like `inputs`) and `grad`, the gradient
        reaching `inputs` (None if the spikes are outside the graph).
    """
    inputs, spk_rec, mem_rec = run_leaky(module.fast_sigmoid(slope), inputs, beta)
    if spk_rec.requires_grad:
        (spk_rec * spike_weights).sum().backward()
    return {"spk_rec": spk_rec, "mem_rec": mem_rec, "grad": inputs.grad}


def mlp_structure(module: ModuleType, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Build `SpikingMLP(**kwargs)` and describe its direct submodules.

    Returns:
        `children`: class name of each direct submodule by attribute name.
        `linear`: `[in_features, out_features]` of each `nn.Linear` child.
        `leaky`: names of the `snn.Leaky` children.
    """
    net = module.SpikingMLP(**kwargs)
    children = dict(net.named_children())
    return {
        "children": {name: type(child).__name__ for name, child in children.items()},
        "linear": {
            name: [child.in_features, child.out_features]
            for name, child in children.items()
            if isinstance(child, nn.Linear)
        },
        "leaky": [name for name, child in children.items() if isinstance(child, snn.Leaky)],
    }


def _student_mlp(
    module: ModuleType, kwargs: dict[str, Any], weights: dict[str, Tensor] | None
) -> tuple[nn.Module, list[str]]:
    """Build the student's network, load `weights` if given, and return it with the keys it did not accept."""
    net = module.SpikingMLP(**kwargs)
    unexpected: list[str] = []
    if weights is not None:
        unexpected = list(net.load_state_dict(weights, strict=False).unexpected_keys)
    return net, unexpected


def mlp_forward(
    module: ModuleType, kwargs: dict[str, Any], weights: dict[str, Tensor] | None, inputs: list[Tensor]
) -> dict[str, Any]:
    """Build `SpikingMLP(**kwargs)`, load `weights` (unless None) and call it on each of `inputs` in turn.

    The calls run without gradients, one after the other on the same network.

    Returns:
        `unexpected_keys`: weight names the network has no parameter for;
        `outputs`: what each call returned, normally `(spk_rec, mem_rec)`.
    """
    net, unexpected = _student_mlp(module, kwargs, weights)
    with torch.no_grad():
        outputs = [net(x) for x in inputs]
    return {"unexpected_keys": unexpected, "outputs": outputs}


def mlp_gradients(
    module: ModuleType,
    kwargs: dict[str, Any],
    weights: dict[str, Tensor] | None,
    x: Tensor,
    mem_weights: Tensor,
    use_boxcar: bool,
) -> dict[str, Any]:
    """Backpropagate `sum(mem_rec * mem_weights)` through `SpikingMLP(**kwargs)`, loaded with `weights` unless None.

    With `use_boxcar`, both layers get `boxcar_spike` as `spike_grad`, so that the
    gradients depend on the network's wiring and not on the student's surrogate.
    Otherwise the network uses its default spike function.

    Returns:
        `unexpected_keys` as in `mlp_forward`, and `grads`: the gradient of each
        parameter of `fc1` and `fc2` by state_dict name (None if none reached it).
    """
    if use_boxcar:
        kwargs = {**kwargs, "spike_grad": boxcar_spike}
    net, unexpected = _student_mlp(module, kwargs, weights)
    _, mem_rec = net(x)
    (mem_rec * mem_weights).sum().backward()
    grads = {
        f"{layer}.{name}": parameter.grad
        for layer in LINEAR_LAYERS
        for name, parameter in getattr(net, layer).named_parameters()
    }
    return {"unexpected_keys": unexpected, "grads": grads}


def mlp_spike_function_widths(module: ModuleType, kwargs: dict[str, Any], x: Tensor) -> list[int]:
    """Run `SpikingMLP(**kwargs, spike_grad=...)` on `x` with a spike function that records its calls.

    Returns:
        The sorted set of last-dimension sizes the given spike function was called on:
        `[num_outputs, num_hidden]` in some order when both layers use it.
    """
    widths: set[int] = set()

    def recording_spike(mem_shift: Tensor) -> Tensor:
        widths.add(int(mem_shift.shape[-1]))
        return boxcar_spike(mem_shift)

    net = module.SpikingMLP(**kwargs, spike_grad=recording_spike)
    with torch.no_grad():
        net(x)
    return sorted(widths)


def loss_and_gradient(module: ModuleType, mem_rec: Tensor, targets: Tensor) -> dict[str, Any]:
    """Compute `membrane_ce_loss(mem_rec, targets)` and backpropagate it to `mem_rec`.

    Returns:
        `loss`: the returned value; `grad`: the gradient reaching `mem_rec`, or None
        if the loss is not a tensor connected to `mem_rec`.
    """
    mem_rec = mem_rec.clone().requires_grad_(True)
    loss = module.membrane_ce_loss(mem_rec, targets)
    if isinstance(loss, Tensor) and loss.requires_grad and loss.numel() == 1:
        loss.backward()
    return {"loss": loss, "grad": mem_rec.grad}


def train_epoch_on_batches(
    module: ModuleType,
    probe_kwargs: dict[str, Any],
    weights: dict[str, Tensor],
    images: Tensor,
    targets: Tensor,
    batch_size: int,
    optimizer: str,
    lr: float,
) -> dict[str, Any]:
    """Run the student's `train_epoch` once on a `ProbeNetwork(**probe_kwargs)` loaded with `weights`.

    The loader yields `images` and `targets` in order, `batch_size` at a time. The
    loss is `probe_loss`, passed as `loss_fn`, so only the student's loop is
    exercised.

    Returns:
        `loss`: what `train_epoch` returned; `weights`: the network's parameters
        afterwards, keyed as in `parameter_state`.
    """
    net = ProbeNetwork(**probe_kwargs)
    net.load_state_dict(weights)
    optimizer_instance = OPTIMIZERS[optimizer](net.parameters(), lr=lr)
    loader = DataLoader(TensorDataset(images, targets), batch_size=batch_size, shuffle=False)
    loss = module.train_epoch(net, loader, optimizer_instance, loss_fn=probe_loss)
    return {"loss": loss, "weights": parameter_state(net)}


class ReplayNetwork(nn.Module):
    """A stand-in network whose output spikes are its input, so `evaluate`'s result is known.

    An input batch `[batch, num_steps, num_classes]` comes back as
    `spk_rec = mem_rec = x.transpose(0, 1) * gain`. The parameter `gain` (1.0) gives the
    outputs a graph whenever gradients are enabled. `grad_enabled` records
    `torch.is_grad_enabled()` at each call.
    """

    def __init__(self) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.ones(()))
        self.grad_enabled: list[bool] = []

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        self.grad_enabled.append(torch.is_grad_enabled())
        spk_rec = x.transpose(0, 1) * self.gain
        return spk_rec, spk_rec


def evaluate_replay(module: ModuleType, spikes: Tensor, targets: Tensor, batch_size: int) -> dict[str, Any]:
    """Run the student's `evaluate` on a `ReplayNetwork` that starts in training mode.

    Args:
        spikes: output spikes `[N, num_steps, num_classes]`, one sample per row.
        targets: class indices `[N]`.
        batch_size: loader batch size; the last batch is smaller when it does not divide N.

    Returns:
        `accuracy`: what `evaluate` returned; `training`: the network's mode afterwards;
        `grad_enabled`: `torch.is_grad_enabled()` at each forward call.
    """
    net = ReplayNetwork()
    net.train()
    loader = DataLoader(TensorDataset(spikes, targets), batch_size=batch_size, shuffle=False)
    accuracy = module.evaluate(net, loader)
    return {"accuracy": accuracy, "training": net.training, "grad_enabled": net.grad_enabled}


def predict_spike_counts(net: torch.nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Return the output spike counts `[N, num_outputs]` of `net` in evaluation mode."""
    net.eval()
    with torch.no_grad():
        return torch.cat([net(chunk)[0].sum(dim=0) for chunk in images.split(PREDICT_BATCH)])


def train_and_predict(
    module: ModuleType,
    train_images: torch.Tensor,
    train_labels: torch.Tensor,
    test_images: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    training_seed: int,
) -> dict[str, Any]:
    """Train the student's default `SpikingMLP` with their `train_epoch`, then predict the test images.

    Weight initialisation and batch order are seeded with `training_seed`, so the same
    submission always gets the same predictions. (The seed has its own name because
    `StudentModule.run_harness` takes `seed` for the call itself.) Training runs on
    `TRAINING_THREADS` threads; the worker's setting is restored afterwards.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(TRAINING_THREADS)
    try:
        return _train_and_predict(
            module, train_images, train_labels, test_images, epochs, batch_size, lr, training_seed
        )
    finally:
        torch.set_num_threads(threads)


def _train_and_predict(
    module: ModuleType,
    train_images: torch.Tensor,
    train_labels: torch.Tensor,
    test_images: torch.Tensor,
    epochs: int,
    batch_size: int,
    lr: float,
    training_seed: int,
) -> dict[str, Any]:
    torch.manual_seed(training_seed)
    net = module.SpikingMLP()
    optimizer = OPTIMIZERS["adam"](net.parameters(), lr=lr)
    dataset = TensorDataset(to_float_images(train_images), train_labels.to(torch.long))
    generator = torch.Generator().manual_seed(training_seed)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)
    losses = [float(module.train_epoch(net, loader, optimizer)) for _ in range(epochs)]
    counts = predict_spike_counts(net, to_float_images(test_images))
    return {"spike_counts": counts, "losses": losses}
