"""Esper morphogenetic training platform: Phase 0 foundation (contracts, configuration, doctor)."""

from importlib.metadata import PackageNotFoundError, version

API_VERSION = "v1"

try:
    __version__ = version("esper-morphogen")
except PackageNotFoundError:  # pragma: no cover - only when running from a bare source tree
    __version__ = "0.0.0+unknown"

__all__ = ["API_VERSION", "__version__"]
