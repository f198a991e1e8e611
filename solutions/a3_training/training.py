"""Train a spiking neural network on MNIST with a surrogate gradient.

Implement the surrogate gradient, a two-layer spiking network built from snnTorch's
``Leaky`` neurons, its loss and accuracy, and the training loop. The grader trains
your network on 4,000 MNIST digits and awards points by its accuracy on 1,000 others.
Check your work with ``snn-grade check a3_training`` before you push. You may use
``snntorch.Leaky`` here, but not ``snntorch.surrogate``: the surrogate is yours.
"""

from __future__ import annotations

from typing import Callable, Iterable

import snntorch as snn
import torch
import torch.nn.functional as F
from torch import Tensor, nn


class FastSigmoid(torch.autograd.Function):
    """Heaviside spike in the forward pass, fast-sigmoid gradient in the backward pass.

    Forward, for a membrane offset ``U - U_thr`` called ``x``:

        S = H(x) = 1 if x > 0 else 0          (strict: x = 0 gives no spike)

    Backward, with slope ``k``, the derivative of the fast sigmoid ``x / (1 + k|x|)``
    stands in for the Heaviside's derivative, which is zero almost everywhere:

        dL/dx = dL/dS / (k |x| + 1) ** 2

    The output has the dtype and shape of ``x``. The slope gets no gradient.

    Example:
        >>> x = torch.tensor([-0.1, 0.0, 0.2], requires_grad=True)
        >>> FastSigmoid.apply(x, 25.0)
        tensor([0., 0., 1.], grad_fn=<FastSigmoidBackward>)
        >>> FastSigmoid.apply(x, 25.0).sum().backward()
        >>> x.grad
        tensor([0.0816, 1.0000, 0.0278])
    """

    @staticmethod
    def forward(ctx, input_: Tensor, slope: float) -> Tensor:  # type: ignore[override]
        ### BEGIN SOLUTION
        ctx.save_for_backward(input_)
        ctx.slope = slope
        return (input_ > 0).to(input_.dtype)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, None]:  # type: ignore[override]
        ### BEGIN SOLUTION
        (input_,) = ctx.saved_tensors
        grad_input = grad_output / (ctx.slope * input_.abs() + 1.0) ** 2
        return grad_input, None
        ### END SOLUTION


def fast_sigmoid(slope: float = 25.0) -> Callable[[Tensor], Tensor]:
    """Return a spike function with the fast-sigmoid surrogate gradient of slope ``slope``.

    The result can be passed as ``spike_grad`` to ``snn.Leaky``: it maps a membrane
    offset ``x`` to ``FastSigmoid.apply(x, slope)``.

    Example:
        >>> spike = fast_sigmoid(slope=10.0)
        >>> spike(torch.tensor([0.5, -0.5]))
        tensor([1., 0.])
    """
    ### BEGIN SOLUTION
    def spike(x: Tensor) -> Tensor:
        return FastSigmoid.apply(x, slope)

    return spike
    ### END SOLUTION


class SpikingMLP(nn.Module):
    """A two-layer spiking network: Linear -> Leaky -> Linear -> Leaky, run for ``num_steps``.

    The same static input (an image flattened to ``num_inputs`` values) drives the
    first layer at every step:

        cur1[t] = fc1(x);  spk1[t], mem1[t] = lif1(cur1[t], mem1[t-1])
        cur2[t] = fc2(spk1[t]);  spk2[t], mem2[t] = lif2(cur2[t], mem2[t-1])

    Both membranes start at zero on every call of ``forward``, so one batch never
    sees the state of the previous one.

    Args:
        num_inputs: input features per sample (784 for a 28 x 28 image).
        num_hidden: neurons in the hidden layer.
        num_outputs: output neurons, one per class.
        beta: membrane decay rate of both ``snn.Leaky`` layers.
        num_steps: time steps per forward pass.
        spike_grad: surrogate spike function for both layers; ``fast_sigmoid()`` if None.

    The submodules must be named ``fc1``, ``lif1``, ``fc2`` and ``lif2``, so that the
    grader can load the same weights into your network and into its own.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = SpikingMLP(num_inputs=4, num_hidden=3, num_outputs=2, num_steps=5)
        >>> spk_rec, mem_rec = net(torch.rand(6, 4))
        >>> spk_rec.shape, mem_rec.shape
        (torch.Size([5, 6, 2]), torch.Size([5, 6, 2]))
    """

    def __init__(
        self,
        num_inputs: int = 784,
        num_hidden: int = 128,
        num_outputs: int = 10,
        beta: float = 0.95,
        num_steps: int = 10,
        spike_grad: Callable[[Tensor], Tensor] | None = None,
    ) -> None:
        super().__init__()
        ### BEGIN SOLUTION
        spike_grad = spike_grad if spike_grad is not None else fast_sigmoid()
        self.num_steps = num_steps
        self.fc1 = nn.Linear(num_inputs, num_hidden)
        self.lif1 = snn.Leaky(beta=beta, spike_grad=spike_grad)
        self.fc2 = nn.Linear(num_hidden, num_outputs)
        self.lif2 = snn.Leaky(beta=beta, spike_grad=spike_grad)
        ### END SOLUTION

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Run the network for ``num_steps`` steps on a batch.

        Args:
            x: images ``[batch, ...]`` with ``num_inputs`` values per sample (for
                example ``[batch, 1, 28, 28]``), float.

        Returns:
            ``(spk_rec, mem_rec)``: output spikes and output membranes, each
            ``[num_steps, batch, num_outputs]`` in the dtype of the weights.
        """
        ### BEGIN SOLUTION
        x = x.flatten(start_dim=1)
        mem1 = torch.zeros(x.shape[0], self.fc1.out_features, dtype=x.dtype, device=x.device)
        mem2 = torch.zeros(x.shape[0], self.fc2.out_features, dtype=x.dtype, device=x.device)
        cur1 = self.fc1(x)
        spk_rec, mem_rec = [], []
        for _ in range(self.num_steps):
            spk1, mem1 = self.lif1(cur1, mem1)
            spk2, mem2 = self.lif2(self.fc2(spk1), mem2)
            spk_rec.append(spk2)
            mem_rec.append(mem2)
        return torch.stack(spk_rec), torch.stack(mem_rec)
        ### END SOLUTION


def membrane_ce_loss(mem_rec: Tensor, targets: Tensor) -> Tensor:
    """Compute the cross-entropy of the output membrane, summed over time steps.

        L = sum_t CE(mem_rec[t], targets)

    where CE is ``torch.nn.functional.cross_entropy`` with its default mean over the
    batch, applied to the membranes as logits.

    Args:
        mem_rec: output membranes ``[num_steps, batch, num_classes]``, float.
        targets: class indices ``[batch]``, ``torch.long``.

    Returns:
        A scalar tensor in the dtype of ``mem_rec``, connected to its graph.

    Example:
        >>> mem_rec = torch.zeros(3, 2, 4)
        >>> round(membrane_ce_loss(mem_rec, torch.tensor([0, 3])).item(), 4)
        4.1589
    """
    ### BEGIN SOLUTION
    loss = torch.zeros((), dtype=mem_rec.dtype, device=mem_rec.device)
    for step in range(mem_rec.shape[0]):
        loss = loss + F.cross_entropy(mem_rec[step], targets)
    return loss
    ### END SOLUTION


def spike_count_accuracy(spk_rec: Tensor, targets: Tensor) -> float:
    """Return the fraction of samples whose most active output neuron is the target.

        prediction = argmax_c sum_t spk_rec[t, :, c]
        accuracy = mean(prediction == targets)

    Ties go to the lowest class index, as in ``torch.argmax``.

    Args:
        spk_rec: output spikes ``[num_steps, batch, num_classes]``.
        targets: class indices ``[batch]``, ``torch.long``.

    Returns:
        The accuracy as a Python float in [0, 1].

    Example:
        >>> spk_rec = torch.tensor([[[1., 0.], [1., 1.]], [[1., 0.], [0., 1.]]])
        >>> spike_count_accuracy(spk_rec, torch.tensor([0, 0]))
        0.5
    """
    ### BEGIN SOLUTION
    predictions = spk_rec.sum(dim=0).argmax(dim=1)
    return (predictions == targets).float().mean().item()
    ### END SOLUTION


def train_epoch(
    net: nn.Module,
    loader: Iterable[tuple[Tensor, Tensor]],
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Tensor, Tensor], Tensor] = membrane_ce_loss,
) -> float:
    """Train ``net`` for one pass over ``loader`` with backpropagation through time.

    For each batch ``(images, targets)``: run the network, compute
    ``loss_fn(mem_rec, targets)``, clear the old gradients, backpropagate through
    all time steps, and take one optimizer step.

    Args:
        net: a ``SpikingMLP`` (or any module returning ``(spk_rec, mem_rec)``).
        loader: batches of images ``[batch, ...]`` and targets ``[batch]``.
        optimizer: optimizer over ``net``'s parameters.
        loss_fn: loss of the membrane record and the targets.

    Returns:
        The mean of the batch losses, as a Python float.
    """
    ### BEGIN SOLUTION
    net.train()
    losses = []
    for images, targets in loader:
        _, mem_rec = net(images)
        loss = loss_fn(mem_rec, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
    ### END SOLUTION


def evaluate(net: nn.Module, loader: Iterable[tuple[Tensor, Tensor]]) -> float:
    """Return the spike-count accuracy of ``net`` over all samples of ``loader``.

    The network runs in evaluation mode (``net.eval()``) and without building a
    graph (``torch.no_grad()``). Each sample counts once, whatever the batch sizes.

    Args:
        net: a ``SpikingMLP``.
        loader: batches of images and targets.

    Returns:
        The accuracy as a Python float in [0, 1].
    """
    ### BEGIN SOLUTION
    net.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for images, targets in loader:
            spk_rec, _ = net(images)
            correct += int((spk_rec.sum(dim=0).argmax(dim=1) == targets).sum())
            total += targets.shape[0]
    return correct / total
    ### END SOLUTION
