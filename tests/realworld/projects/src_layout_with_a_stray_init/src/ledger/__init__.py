"""Installed as `ledger` (`pip install -e .` of a src layout); `src/__init__.py` is left over from
before the move and makes `src` a package too."""
