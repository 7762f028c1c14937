"""deerhabitat: spatial, repeatable conservation analysis and offline maps for the Bukhara deer.

The layers of the package:

- core: :mod:`deerhabitat.errors`, :mod:`deerhabitat.units`, :mod:`deerhabitat.crs`,
  :mod:`deerhabitat.schema`, :mod:`deerhabitat.config`;
- capabilities that never import each other: :mod:`deerhabitat.io` (read/write),
  :mod:`deerhabitat.analysis` (compute), :mod:`deerhabitat.publish` (present);
- :mod:`deerhabitat.workflows`, path-in/path-out tools composing them;
- :mod:`deerhabitat.cli`, which only parses arguments and calls a workflow.
"""

from deerhabitat._version import __version__

__all__ = ["__version__"]
