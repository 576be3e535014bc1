"""legacy-harness: test legacy services that connect and start threads at import, unchanged."""

__version__ = "0.1.0"

__all__ = ["__version__"]
