"""Does the source check find uses of forbidden snnTorch code however they are imported?"""

from __future__ import annotations

import textwrap

import pytest

from autograder.static_delegation import find_static_uses

FORBIDDEN = {"leaky_step": ["snntorch.Leaky"], "rate_encode": ["snntorch.spikegen.rate"]}


@pytest.mark.parametrize(
    "source",
    [
        "import snntorch as snn\ndef leaky_step(x):\n    return snn.Leaky(beta=0.5)(x)\n",
        "import snntorch\ndef leaky_step(x):\n    return snntorch.Leaky(0.5)(x)\n",
        "from snntorch import Leaky as L\ndef leaky_step(x):\n    return L(0.5)(x)\n",
        "def leaky_step(x):\n    from snntorch._neurons.leaky import Leaky\n    return Leaky(0.5)(x)\n",
        "import snntorch as snn\ndef _helper(x):\n    return snn.Leaky(0.5)(x)\ndef leaky_step(x):\n    return _helper(x)\n",
    ],
)
def test_forbidden_use_is_found(source: str) -> None:
    assert find_static_uses(source, FORBIDDEN) == {"leaky_step": ["snntorch.Leaky"]}


def test_spikegen_function_is_found() -> None:
    source = "from snntorch import spikegen\ndef rate_encode(x, n):\n    return spikegen.rate(x, num_steps=n)\n"
    assert find_static_uses(source, FORBIDDEN) == {"rate_encode": ["snntorch.spikegen.rate"]}


def test_own_code_is_not_flagged() -> None:
    source = textwrap.dedent(
        """
        import torch
        import snntorch as snn

        def leaky_step(x, mem, beta, rate=1.0):
            return (x > 1).float(), beta * mem + x

        def uses_leaky_elsewhere():
            return snn.Leaky(0.5)
        """
    )
    assert find_static_uses(source, FORBIDDEN) == {}


def test_unparsable_source_gives_nothing() -> None:
    assert find_static_uses("def leaky_step(:\n", FORBIDDEN) == {}
