"""Leaky integrate-and-fire (LIF) neuron written with plain PyTorch tensor operations.

Implement every function below so that it behaves like the matching part of
snnTorch 1.0.0, using PyTorch only. The grader detects a function that calls
``snn.Leaky`` or ``snn.Lapicque`` and fails the tests that use it. Each docstring
gives the update equation, the shapes and a small example. Run ``pytest`` for the
public tests and ``snn-grade check a1_lif`` for the graded report before you push.
Hidden tests, graded on push, compare your results with snnTorch on random inputs.
"""

import math

import torch
from torch import Tensor

#: Values accepted by ``reset_mechanism``, with the names snnTorch uses.
RESET_MECHANISMS = ("subtract", "zero", "none")


def beta_from_tau(tau: float, time_step: float = 1e-3) -> float:
    """Compute the membrane decay rate of a LIF neuron from its time constant.

    The membrane of an RC circuit without input decays as ``U(t) = U(0) exp(-t / tau)``.
    Sampled every ``time_step`` seconds, it shrinks by the constant factor

        beta = exp(-time_step / tau)

    per step.

    Args:
        tau: Membrane time constant tau = R * C, in seconds. Must be positive.
        time_step: Simulation time step Δt, in seconds. Must be positive.

    Returns:
        The decay rate beta, a float between 0 and 1.

    Raises:
        ValueError: If ``tau`` or ``time_step`` is zero or negative. The message
            contains the value.

    Example:
        >>> round(beta_from_tau(5e-3), 4)
        0.8187
        >>> beta_from_tau(2.0, time_step=0.0)
        Traceback (most recent call last):
            ...
        ValueError: time_step must be positive, got 0.0
    """
    raise NotImplementedError("lif.beta_from_tau is not implemented yet")


def lapicque_step(
    mem: Tensor,
    cur: Tensor,
    R: float = 5.0,
    C: float = 1e-3,
    time_step: float = 1e-3,
) -> Tensor:
    """Advance the membrane of Lapicque's RC circuit by one forward Euler step.

    The passive membrane obeys ``tau dU/dt = -U + I R`` with ``tau = R C``. One Euler
    step of length Δt gives

        U[t+1] = U[t] + (Δt / (R C)) * (-U[t] + I[t] R)

    This function only integrates: it emits no spike and applies no reset. It agrees
    with ``snn.Lapicque(R=R, C=C, time_step=time_step)`` as long as the membrane
    stays at or below that neuron's threshold, and with
    ``snn.Lapicque(..., reset_mechanism="none")`` for any input.

    Args:
        mem: Membrane potential U[t], any shape, floating point.
        cur: Input current I[t], same shape as ``mem`` (or broadcastable to it).
        R: Membrane resistance R, in ohms.
        C: Membrane capacitance C, in farads.
        time_step: Simulation time step Δt, in seconds.

    Returns:
        The membrane potential U[t+1], a new tensor with the shape and dtype of
        ``mem``. The arguments are not modified.

    Example:
        With the defaults, Δt / (R C) = 0.2, so a current of 1 charges a membrane at
        rest to 0.2 * 1 * 5 = 1, and a membrane at 1 without input leaks to 0.8:

        >>> lapicque_step(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.0]))
        tensor([1.0000, 0.8000])
    """
    raise NotImplementedError("lif.lapicque_step is not implemented yet")


def leaky_step(
    input_: Tensor,
    mem: Tensor,
    beta: float | Tensor,
    threshold: float = 1.0,
    reset_mechanism: str = "subtract",
) -> tuple[Tensor, Tensor]:
    """Advance a layer of leaky integrate-and-fire neurons by one time step.

    This is one call of ``snn.Leaky(beta, threshold=threshold,
    reset_mechanism=reset_mechanism)`` with its default ``reset_delay=True``.
    First the reset signal comes from the membrane passed in:

        R = H(U[t-1] - U_thr)

    where H is the Heaviside step with H(x) = 1 for x > 0 and 0 otherwise, so a
    membrane exactly at the threshold neither fires nor resets. Then the membrane
    is updated with one of

        subtract:  U[t] = beta U[t-1] + I[t] - R U_thr
        zero:      U[t] = beta (1 - R) U[t-1] + I[t]
        none:      U[t] = beta U[t-1] + I[t]

    and the spike is taken from the new membrane:

        S[t] = H(U[t] - U_thr)

    Because R uses U[t-1], a spike emitted at step t resets the membrane at step
    t + 1 (snnTorch's ``reset_delay``), and the membrane returned with a spike is
    still above the threshold. The reset term of the subtract equation has no beta
    because snnTorch subtracts the threshold after the decay, so every spike removes
    exactly U_thr. Writing beta (U[t-1] - R U_thr) instead would remove only
    beta U_thr.

    Symbols: I[t] is the input current of this step, U[t-1] the membrane passed in,
    U[t] the membrane returned, U_thr the threshold, beta the decay rate and R the
    reset signal (1 where the neuron fired at the previous step). R carries no
    gradient, as in snnTorch. S carries none either, because this assignment leaves
    out surrogate gradients.

    Args:
        input_: Input current I[t], floating point, same shape as ``mem``.
        mem: Membrane potential U[t-1] from the previous step, floating point.
        beta: Decay rate beta in [0, 1]. A float, or a tensor in the dtype of
            ``mem`` that broadcasts to it (for example one value per neuron, shape
            ``mem.shape[-1:]``). ``snn.Leaky`` clamps beta into [0, 1]. This
            function expects it in range and does not clamp.
        threshold: Firing threshold U_thr.
        reset_mechanism: ``"subtract"``, ``"zero"`` or ``"none"``.

    Returns:
        A tuple ``(spk, mem)``. ``spk`` contains S[t] as 0.0 and 1.0 and ``mem``
        contains U[t]. Both are new tensors with the shape and dtype of ``mem``. The
        arguments are not modified.

    Raises:
        ValueError: If ``reset_mechanism`` is not one of the three values above.
            The message contains the given value and the allowed ones.

    Example:
        Two neurons start at rest with beta = 0.5. Only the second one crosses the
        threshold of 1:

        >>> spk, mem = leaky_step(torch.tensor([0.5, 1.5]), torch.zeros(2), beta=0.5)
        >>> spk
        tensor([0., 1.])
        >>> mem
        tensor([0.5000, 1.5000])

        At the next step the second neuron resets by subtraction,
        0.5 * 1.5 + 0.25 - 1 = 0:

        >>> spk, mem = leaky_step(torch.tensor([0.25, 0.25]), mem, beta=0.5)
        >>> mem
        tensor([0.5000, 0.0000])
    """
    raise NotImplementedError("lif.leaky_step is not implemented yet")


def simulate_leaky(
    inputs: Tensor,
    beta: float | Tensor,
    threshold: float = 1.0,
    reset_mechanism: str = "subtract",
    mem: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Run a layer of LIF neurons over a sequence of input currents.

    Applies ``leaky_step`` once per time step along dimension 0:

        S[t], U[t] = leaky_step(I[t], U[t-1], beta, threshold, reset_mechanism)

    for t = 0, ..., T - 1, starting from U[-1] = ``mem``, or from zeros when ``mem``
    is None.

    Args:
        inputs: Input currents I of shape ``[T, ...]``, floating point. ``inputs[t]``
            is the input of step t.
        beta: Decay rate, as in ``leaky_step``.
        threshold: Firing threshold U_thr.
        reset_mechanism: ``"subtract"``, ``"zero"`` or ``"none"``.
        mem: Initial membrane potential U[-1] of shape ``inputs.shape[1:]``, or None
            for a membrane at rest (zeros).

    Returns:
        A tuple ``(spk_rec, mem_rec)`` of tensors with the shape and dtype of
        ``inputs``. ``spk_rec[t]`` is S[t] and ``mem_rec[t]`` is the membrane U[t]
        after the update of step t. The initial membrane is not recorded. The
        arguments are not modified.

    Raises:
        ValueError: If ``reset_mechanism`` is invalid, as in ``leaky_step``.

    Example:
        A constant input of 0.75 with beta = 0.5 crosses the threshold at step 1,
        and the reset by subtraction appears at step 2:

        >>> spk_rec, mem_rec = simulate_leaky(torch.full((4, 1), 0.75), beta=0.5)
        >>> spk_rec.flatten()
        tensor([0., 1., 0., 0.])
        >>> mem_rec.flatten()
        tensor([0.7500, 1.1250, 0.3125, 0.9062])
    """
    raise NotImplementedError("lif.simulate_leaky is not implemented yet")


def firing_rate(spk_rec: Tensor) -> Tensor:
    """Compute each neuron's firing rate in spikes per time step.

    The rate is the mean of the spike train over time:

        rate = (1 / T) * sum_t S[t]

    Args:
        spk_rec: Spike record S of shape ``[T, ...]`` containing 0.0 and 1.0,
            floating point, as returned by ``simulate_leaky``.

    Returns:
        A tensor of shape ``spk_rec.shape[1:]`` and the dtype of ``spk_rec``, with
        values in [0, 1].

    Example:
        >>> firing_rate(torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]))
        tensor([0.7500, 0.2500])
    """
    raise NotImplementedError("lif.firing_rate is not implemented yet")
