"""Reading the TOML settings files users give (suitability weights, corridor transforms)."""

from __future__ import annotations

import os
import tomllib

from deerhabitat.errors import ConfigError, InputFileError


def read_toml(path: str | os.PathLike, *, what: str, template: str) -> dict:
    """Read a user's TOML settings file.

    Parameters
    ----------
    path : path-like
        The file.
    what : str
        What the file is, for messages (``"weights"``, ``"transform"``).
    template : str
        The bundled file to start from, named in messages (``"suitability.toml"``).

    Raises
    ------
    InputFileError
        If the file does not exist.
    ConfigError
        If it is not valid TOML.
    """
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputFileError(
            f"the {what} file {str(path)!r} does not exist; give a TOML file laid out like the bundled "
            f"{template}."
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(
            f"the {what} file {str(path)!r} is not valid TOML ({exc}); fix it, starting from a copy of "
            f"the bundled {template}."
        ) from exc
