"""Detect calls into the snnTorch code that an exercise asks students to reimplement."""

from __future__ import annotations

import functools
import importlib
from typing import Any, Callable


def _resolve(dotted: str) -> tuple[Any, str, Any]:
    module_name, _, attribute = dotted.rpartition(".")
    owner = importlib.import_module(module_name)
    return owner, attribute, getattr(owner, attribute)


class DelegationWatch:
    """Wrap the named classes and functions so that using them during a call is recorded.

    A class is watched through its `__init__` and `forward`, so an instance built at
    import time and called inside the function is caught, and so is one built inside
    it. Wrappers are installed before the student's module is imported, which makes
    `from snntorch.spikegen import rate` bind the wrapper as well.
    """

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        self.active = False
        self.used: set[str] = set()
        for name in self.names:
            self._install(name)

    def _wrap(self, name: str, target: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(target)
        def watched(*args: Any, **kwargs: Any) -> Any:
            if self.active:
                self.used.add(name)
            return target(*args, **kwargs)

        return watched

    def _install(self, name: str) -> None:
        owner, attribute, target = _resolve(name)
        if isinstance(target, type):
            for method in ("__init__", "forward"):
                if method in vars(target) or hasattr(target, method):
                    setattr(target, method, self._wrap(name, getattr(target, method)))
        else:
            setattr(owner, attribute, self._wrap(name, target))

    def start(self) -> None:
        self.used.clear()
        self.active = True

    def stop(self) -> list[str]:
        self.active = False
        return sorted(self.used)
