"""mcpot: Monte Carlo uncertainty and sensitivity analysis of the digital-technology
carbon-reduction model in CAICT's 2024 "Digital Carbon Neutrality: Industry" report."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mcpot")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
