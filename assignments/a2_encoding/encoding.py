"""Spike encodings: turn values into spike trains with rate, latency and delta codes.

Implement every function below with PyTorch only, so that it behaves like the
matching function of ``snntorch.spikegen`` in snnTorch 1.0.0 where the docstring
names one. A function that calls ``spikegen.rate``, ``spikegen.latency``,
``spikegen.delta`` or their helpers earns no points. Each docstring gives the
formula, the shapes, the dtypes and an example. Run ``snn-grade check a2_encoding``
for the graded report of the public tests before you push.
"""

import math
from typing import Optional

import torch
from torch import Tensor

#: The ε of the logarithmic latency code: inputs at or below the threshold are
#: raised to threshold + ε, which keeps the logarithm finite. snnTorch uses the same
#: value.
LATENCY_EPSILON = 1e-7


def rate_encode(
    data: Tensor,
    num_steps: int,
    gain: float = 1.0,
    generator: Optional[torch.Generator] = None,
) -> Tensor:
    """Encode values as firing probabilities: a Bernoulli spike train per element.

    Every element x fires at each of the ``num_steps`` steps with probability

        p = clamp(gain * x, 0, 1)

    and every step of every element is an independent draw. The expected number of
    spikes of an element is ``num_steps * p``, so the rate of the train carries x.

    Symbols: x is one element of ``data``, gain a constant factor and p the firing
    probability. Values of gain * x below 0 never fire and values above 1 fire at
    every step.

    Args:
        data: Values x, any shape, floating point.
        num_steps: Number of time steps T, at least 1.
        gain: Factor applied to ``data`` before clamping.
        generator: The ``torch.Generator`` to draw from. With None, the draws come
            from torch's global generator, so ``torch.manual_seed`` makes them
            reproducible. The same generator state gives the same spikes.

    Returns:
        A new tensor of shape ``[num_steps, *data.shape]`` and the dtype of
        ``data``, containing 0.0 and 1.0. Time is dimension 0. ``data`` is not
        modified.

    Raises:
        ValueError: If ``num_steps`` is less than 1. The message contains the value.

    Example:
        A probability of 0 never fires and a probability of 1 (here 0.5 * 2)
        fires at every step:

        >>> rate_encode(torch.tensor([0.0, 0.5]), num_steps=3, gain=2.0)
        tensor([[0., 1.],
                [0., 1.],
                [0., 1.]])

        Two generators with the same seed give the same spikes:

        >>> data = torch.full((100,), 0.3)
        >>> first = rate_encode(data, 20, generator=torch.Generator().manual_seed(7))
        >>> second = rate_encode(data, 20, generator=torch.Generator().manual_seed(7))
        >>> torch.equal(first, second)
        True
    """
    raise NotImplementedError("encoding.rate_encode is not implemented yet")


def latency_encode(
    data: Tensor,
    num_steps: int,
    tau: float = 1.0,
    threshold: float = 0.01,
    linear: bool = False,
    normalize: bool = False,
    clip: bool = False,
) -> Tensor:
    """Encode values as spike times: a larger value fires earlier, once.

    This is ``spikegen.latency(data, num_steps, threshold=threshold, tau=tau,
    clip=clip, normalize=normalize, linear=linear)`` with its other arguments at
    their defaults, except for the output dtype and the errors (see Returns and
    Raises).

    Each element x of ``data`` gets a spike time t. The logarithmic code (the
    default) is the time an RC circuit charged by a constant input x needs to
    reach the threshold θ:

        x' = max(x, θ + ε)
        t = τ ln(x' / (x' - θ))

    Raising x to θ + ε keeps the logarithm finite, so every x ≤ θ + ε fires at the
    latest time τ ln((θ + ε) / ε). The linear code (``linear=True``) is

        t = min(τ (1 - x), τ (1 - θ))

    so inputs below θ fire at τ (1 - θ), not at τ.

    With ``normalize=True`` the times are stretched to fill ``num_steps``:

        linear code: τ is replaced by num_steps - 1, whatever ``tau`` is
        log code:    t is replaced by t * (num_steps - 1) / max(t), with the
                     maximum over all elements of ``data``

    The spike goes to the step ``round(t)``, rounding halves to the nearest even
    integer as ``torch.round`` does, so t = 2.5 fires at step 2 and t = 3.5 at
    step 4. With ``clip=True``, elements with x < θ do not fire at all. Their
    times still count for the normalization and for the range check below.

    Symbols: x is one element of ``data``, θ the threshold, τ the time constant
    in time steps, ε = ``LATENCY_EPSILON`` = 1e-7 and t the spike time in steps.

    Precision: the times depend on the dtype for inputs at or below θ + ε.
    There x' - θ is about ε, which is only a few float32 spacings near θ
    (3 for θ = 0.25, 108 for θ = 0.01), so float32 rounds it coarsely.
    Compute as snnTorch does: form θ + ε as a Python float, round it once to
    ``data.dtype`` (as ``torch.clamp(data, min=threshold + LATENCY_EPSILON)``
    does), and do every other operation in ``data.dtype``. With θ = 0.25 and
    τ = 0.98, x = 0 fires at step 15 in float32 and at step 14 in float64.

    Args:
        data: Values x in [0, 1], any shape, floating point.
        num_steps: Number of time steps T, at least 1.
        tau: Time constant τ > 0, in time steps.
        threshold: Threshold θ, strictly between 0 and 1.
        linear: Use the linear code instead of the logarithmic one.
        normalize: Stretch the times so that the latest one falls at step
            ``num_steps - 1``, as described above.
        clip: Remove the spikes of inputs below θ.

    Returns:
        A new tensor of shape ``[num_steps, *data.shape]`` and the dtype of
        ``data``, containing 0.0 and 1.0 with exactly one 1.0 along dimension 0
        for every element, except elements removed by ``clip``, which contain
        only 0.0. snnTorch 1.0.0 always returns float32, so for float64 input the
        values agree with ``spikegen.latency`` but the dtype does not.

    Raises:
        ValueError: If ``num_steps`` < 1, ``tau`` ≤ 0, ``threshold`` is not
            strictly between 0 and 1, an element of ``data`` is outside [0, 1]
            (NaN included), or a spike would fall after the last step, that is
            ``round(t) > num_steps - 1`` for some element, clipped ones included.
            The message contains the offending value and a fix. For a late
            spike it names the steps needed, a smaller tau and ``normalize=True``.

    Example:
        With θ = 0.25 and τ = 4 the log code gives t = 4 ln(4/3) = 1.15,
        4 ln 2 = 2.77 and 4 ln 6 = 7.17:

        >>> latency_encode(torch.tensor([1.0, 0.5, 0.3]), num_steps=8, tau=4.0, threshold=0.25).argmax(dim=0)
        tensor([1, 3, 7])

        The linear code with τ = 4 gives t = 0.5, 1.5, 2.5 and 3.5, and rounding
        halves to even sends them to steps 0, 2, 2 and 4:

        >>> spikes = latency_encode(torch.tensor([0.875, 0.625, 0.375, 0.125]), num_steps=5, tau=4.0, linear=True)
        >>> spikes
        tensor([[1., 0., 0., 0.],
                [0., 0., 0., 0.],
                [0., 1., 1., 0.],
                [0., 0., 0., 0.],
                [0., 0., 0., 1.]])

        Spike times that do not fit raise an error:

        >>> latency_encode(torch.tensor([0.0]), num_steps=5)
        Traceback (most recent call last):
            ...
        ValueError: a spike time of 11.5071 rounds to step 12, after the last step 4 of num_steps=5; use num_steps >= 13, a smaller tau, or normalize=True
    """
    raise NotImplementedError("encoding.latency_encode is not implemented yet")


def delta_encode(
    data: Tensor,
    threshold: float = 0.1,
    padding: bool = False,
    off_spike: bool = False,
) -> Tensor:
    """Encode a time series by its changes: spike where the value rises enough.

    This is ``spikegen.delta(data, threshold, padding, off_spike)``. Time is
    dimension 0. With the change from the previous step

        d[t] = x[t] - x[t-1]

    the output at step t is

        S[t] = 1    where d[t] ≥ θ
        S[t] = -1   where d[t] ≤ -θ, only with off_spike=True
        S[t] = 0    otherwise

    Both comparisons include equality. The value before the first step, x[-1], is
    0, or x[0] with ``padding=True`` (then step 0 never spikes for θ > 0).

    Symbols: x is ``data``, x[t] its slice at step t, θ the threshold and S the
    output.

    Args:
        data: Time series x of shape ``[T, ...]``, floating point, with at least
            one dimension.
        threshold: Threshold θ on the change.
        padding: Compare step 0 with itself instead of with 0.
        off_spike: Also emit -1 for decreases of at least θ.

    Returns:
        A new tensor with the shape and dtype of ``data`` containing 0.0 and 1.0,
        and -1.0 with ``off_spike=True``. ``data`` is not modified.

    Raises:
        ValueError: If ``data`` is a 0-dim tensor, which has no time dimension.

    Example:
        The change is 0.5, 0.25, -0.5, 0.0, -0.25 with x[-1] = 0:

        >>> x = torch.tensor([0.5, 0.75, 0.25, 0.25, 0.0])
        >>> delta_encode(x, threshold=0.25)
        tensor([1., 1., 0., 0., 0.])
        >>> delta_encode(x, threshold=0.25, padding=True, off_spike=True)
        tensor([ 0.,  1., -1.,  0., -1.])
    """
    raise NotImplementedError("encoding.delta_encode is not implemented yet")


def first_spike_time(spk: Tensor) -> Tensor:
    """Decode spike trains into the step of each element's first spike.

    For every element, the result is the smallest t with ``spk[t] != 0``, or T
    where the element never fires. A nonzero value of any sign counts as a spike,
    so off-spikes (-1) count too. Decoding the output of ``latency_encode``
    returns the encoded steps ``round(t)``, and T for elements removed by
    ``clip``.

    Args:
        spk: Spike trains of shape ``[T, ...]``, any dtype, with at least one
            dimension. Time is dimension 0.

    Returns:
        A new tensor of shape ``spk.shape[1:]`` and dtype ``torch.long`` with
        values in 0, ..., T.

    Raises:
        ValueError: If ``spk`` is a 0-dim tensor, which has no time dimension.

    Example:
        >>> spk = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, -1.0, 0.0]])
        >>> first_spike_time(spk)
        tensor([1, 2, 3])
    """
    raise NotImplementedError("encoding.first_spike_time is not implemented yet")
