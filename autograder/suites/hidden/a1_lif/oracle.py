"""Expected results for the hidden a1_lif tests, computed with snnTorch 1.0.0.

The tests load this module by path (see `_load_oracle` in each test file) because the
suites have no packages. Everything here runs in the grader process and never imports
the student's code.
"""

from dataclasses import dataclass

import snntorch as snn
import torch
from torch import Tensor

#: Minimum distance between any membrane value of a random case and the threshold.
#: A correct submission that orders its floating point operations differently from
#: snnTorch moves the membrane by a few ulp, far less than this, so it never flips a
#: spike or a reset.
THRESHOLD_MARGIN = 1e-3

#: Seeds tried per case before the suite gives up, starting at the case's own seed.
MAX_ATTEMPTS = 200

DTYPES = (torch.float32, torch.float64)


def as_beta(beta: float | Tensor, dtype: torch.dtype) -> Tensor:
    """Return `beta` as a tensor of `dtype`, so that snn.Leaky decays the membrane in that dtype."""
    return torch.as_tensor(beta, dtype=dtype)


def as_threshold(threshold: float, dtype: torch.dtype) -> Tensor:
    """Return `threshold` as a one-element tensor of `dtype`.

    snn.Leaky multiplies the threshold by a float32 reset signal. A 0-dim float64
    threshold would be rounded to float32 in that product, while a 1-dim one keeps
    the product in float64.
    """
    return torch.tensor([threshold], dtype=dtype)


def leaky_oracle(
    inputs: Tensor,
    beta: float | Tensor,
    threshold: float,
    reset_mechanism: str,
    mem: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Run snn.Leaky over dim 0 of `inputs` and return (spk_rec, mem_rec).

    mem_rec[t] is the membrane after step t, as simulate_leaky records it. Spikes
    are converted to the dtype of `inputs` because snn.Leaky returns float32 spikes
    for every input dtype.
    """
    dtype = inputs.dtype
    neuron = snn.Leaky(
        beta=as_beta(beta, dtype),
        threshold=as_threshold(threshold, dtype),
        reset_mechanism=reset_mechanism,
    )
    state = torch.zeros_like(inputs[0]) if mem is None else mem.clone()
    spikes = []
    membranes = []
    with torch.no_grad():
        for step in range(inputs.shape[0]):
            spk, state = neuron(inputs[step], state)
            spikes.append(spk.to(dtype))
            membranes.append(state.clone())
    return torch.stack(spikes), torch.stack(membranes)


def lapicque_oracle(mem: Tensor, cur: Tensor, R: float, C: float, time_step: float) -> Tensor:
    """Return one step of snn.Lapicque without reset for membrane `mem` and current `cur`.

    R, C and the time step are float64 tensors so that the float64 result is exact.
    """
    neuron = snn.Lapicque(
        R=torch.tensor(R, dtype=torch.float64),
        C=torch.tensor(C, dtype=torch.float64),
        time_step=torch.tensor(time_step, dtype=torch.float64),
        reset_mechanism="none",
    )
    with torch.no_grad():
        _, new_mem = neuron(cur, mem.clone())
    return new_mem


@dataclass(frozen=True)
class LeakyCase:
    """A random, well-conditioned run of snn.Leaky and its results."""

    inputs: Tensor
    beta: float | Tensor
    threshold: float
    reset_mechanism: str
    mem: Tensor | None
    spk_rec: Tensor
    mem_rec: Tensor
    seed: int

    def context(self, single_step: bool = False) -> str:
        """Describe the case for assertion messages, as one leaky_step call if `single_step`."""
        if isinstance(self.beta, Tensor):
            beta = f"per-neuron beta={[round(b, 4) for b in self.beta.tolist()]}"
        else:
            beta = f"beta={self.beta}"
        if single_step:
            data = f"random input_ and mem of shape {tuple(self.inputs.shape[1:])}"
        else:
            start = "zero initial mem" if self.mem is None else "random initial mem"
            data = f"random inputs of shape {tuple(self.inputs.shape)}, {start}"
        return (
            f"{beta}, threshold={self.threshold}, reset_mechanism={self.reset_mechanism!r}, "
            f"{data}, dtype {self.inputs.dtype}, seed {self.seed}"
        )


def _is_well_conditioned(case: LeakyCase) -> bool:
    states = case.mem_rec
    if case.mem is not None:
        states = torch.cat([case.mem.unsqueeze(0), states])
    if float((states - case.threshold).abs().min()) <= THRESHOLD_MARGIN:
        return False

    # Require both outcomes of every rule, so that a wrong spike or reset rule shows
    # in the results.
    fired = case.spk_rec.bool()
    if not bool(fired.any()) or bool(fired.all()):
        return False
    if case.mem is not None:
        reset = case.mem > case.threshold
        return bool(reset.any()) and not bool(reset.all())
    return True


def sample_leaky_case(
    seed: int,
    shape: tuple[int, ...],
    steps: int,
    beta: float | str,
    threshold: float,
    reset_mechanism: str,
    dtype: torch.dtype,
    random_mem: bool = False,
) -> LeakyCase:
    """Draw random inputs until snn.Leaky keeps every membrane away from the threshold.

    Inputs are uniform in [-0.5, 1.0] * threshold and a random initial membrane is
    uniform in [-0.5, 2.0] * threshold, so some neurons fire and reset and others do
    not. `beta="per-neuron"` draws one decay rate per neuron (last dimension) uniform
    in [0.2, 1.0). Each rejected draw moves to the next seed.

    Raises:
        RuntimeError: If no seed in `MAX_ATTEMPTS` gives a well-conditioned case,
            which means the case parameters need changing, not the submission.
    """
    for attempt in range(MAX_ATTEMPTS):
        generator = torch.Generator().manual_seed(seed + attempt)
        inputs = (torch.rand((steps, *shape), generator=generator, dtype=dtype) * 1.5 - 0.5) * threshold
        mem = None
        if random_mem:
            mem = (torch.rand(shape, generator=generator, dtype=dtype) * 2.5 - 0.5) * threshold
        case_beta: float | Tensor = beta
        if beta == "per-neuron":
            case_beta = torch.rand(shape[-1:], generator=generator, dtype=dtype) * 0.8 + 0.2
        spk_rec, mem_rec = leaky_oracle(inputs, case_beta, threshold, reset_mechanism, mem)
        case = LeakyCase(inputs, case_beta, threshold, reset_mechanism, mem, spk_rec, mem_rec, seed + attempt)
        if _is_well_conditioned(case):
            return case
    raise RuntimeError(
        f"no well-conditioned case in seeds {seed}..{seed + MAX_ATTEMPTS - 1} for shape {shape}, "
        f"{steps} steps, beta={beta}, threshold={threshold}, reset_mechanism={reset_mechanism!r}"
    )
