"""Shared by every suite under tests/.

`pytester` is enabled here because pytest accepts `pytest_plugins` only in a conftest it loads
before collection (this one, for `pytest` and `pytest tests/...` alike); a conftest deeper down
fails the whole run with "Defining 'pytest_plugins' in a non-top-level conftest".
"""

pytest_plugins = ["pytester"]
