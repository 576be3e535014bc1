"""The plugin tests' generated projects (`project`), for integrations tried through the plugin."""

from plugin.conftest import project  # noqa: F401 - a fixture, found by pytest in this conftest
