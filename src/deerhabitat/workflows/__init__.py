"""Path-in/path-out tools, one per command: they compose io, analysis and publish.

Each CLI command calls exactly one function here, of the same name.
"""

from deerhabitat.workflows.store import init, layers, open_store

__all__ = ["init", "layers", "open_store"]
