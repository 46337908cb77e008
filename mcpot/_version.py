"""The installed version of mcpot (lowest layer, beside :mod:`mcpot.errors`)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mcpot")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
