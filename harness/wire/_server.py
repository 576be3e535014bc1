"""A WSGI application served on 127.0.0.1 from a background thread, for the wire backends.

werkzeug's threaded development server (werkzeug comes with Flask, which the services use)
does the HTTP; this module only starts it on an ephemeral loopback port, keeps it quiet, and
stops it. pytest-httpserver was considered: its matcher API does not fit the scripted-archive
API the `fake` level defines, it registers a pytest plugin in every run, and its server logs
each request through werkzeug's process-wide logger.
"""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

LOOPBACK = "127.0.0.1"


class _Quiet:
    """Mixin for a request handler: no access log (werkzeug's logger would otherwise get a
    stderr handler added for good)."""

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 (werkzeug's name)
        pass


class LoopbackServer:
    """`app` served on http://127.0.0.1:<ephemeral port> until `stop()`."""

    def __init__(
        self, app: Any, *, name: str, handler: type[WSGIRequestHandler] = WSGIRequestHandler
    ) -> None:
        """`handler`: the request handler class to serve with (kept quiet here)."""
        quiet = type(f"Quiet{handler.__name__}", (_Quiet, handler), {})
        self._server: BaseWSGIServer = make_server(
            LOOPBACK, 0, app, threaded=True, request_handler=quiet
        )
        # A daemon thread: a server left running can never keep the process from exiting.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=name,
            daemon=True,
        )
        self._thread.start()
        self.port: int = self._server.port
        self.url = f"http://{LOOPBACK}:{self.port}"

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(2.0)
        self._server.server_close()
