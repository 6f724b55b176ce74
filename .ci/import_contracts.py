"""An import-linter layers contract that leaves the tests out of the graph.

Tests may reach across layers (a families test places an order to see the push it
makes); the application code may not. Removing the test modules before the check keeps
the contract free of `ignore_imports` entries, so every real upward import fails it.
Run with `.ci` on PYTHONPATH (`make lint`, `.ci/run`).
"""

from __future__ import annotations

from importlinter.contracts.layers import LayersContract


def is_test_module(name: str) -> bool:
    parts = name.split(".")
    return "tests" in parts or parts[-1] in ("testing", "conftest") or parts[-1].startswith("test_")


class LayersWithoutTestsContract(LayersContract):
    def check(self, graph, verbose):
        for module in [name for name in graph.modules if is_test_module(name)]:
            graph.remove_module(module)
        return super().check(graph, verbose)
