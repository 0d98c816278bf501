"""Package exports imported on first use (PEP 562), so that importing a light contract module
such as ``quantify.files`` does not load the detector's scipy or the readers' pandas."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def exports(package: str, names_by_module: dict[str, tuple[str, ...]]) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports each name from its module when first asked."""
    where = {name: module for module, names in names_by_module.items() for name in names}

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name]), name)

    return __getattr__
