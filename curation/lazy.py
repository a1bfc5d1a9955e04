"""Packages whose public names are imported on first use (PEP 562), so importing the package, or one of its light
modules, loads nothing heavy (pydantic models, label-studio-sdk, `datasets`).

A public name can be a function named like one of the package's own submodules (`curation.ingest`,
`curation.export.verify`): importing that submodule binds it on the package, which would hide the function. The
package's class refuses that binding for its public names; the submodule stays in `sys.modules`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from types import ModuleType


def lazy_names(package: str, names: Mapping[str, tuple[str, str]]) -> Callable[[str], object]:
    """The `__getattr__` of `package`, which serves `names` (public name -> (module, its name there)) and keeps
    each once imported."""
    module = sys.modules[package]

    class _Package(ModuleType):
        def __setattr__(self, name: str, value: object) -> None:
            if not (name in names and isinstance(value, ModuleType)):
                super().__setattr__(name, value)

    def __getattr__(name: str) -> object:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where, attribute = names[name]
        value = getattr(import_module(where), attribute)
        module.__dict__[name] = value
        return value

    module.__class__ = _Package
    return __getattr__
