"""S3 at level `fake`: the real boto3/botocore and MinIO clients, answered by moto's server.

moto is the S3 here: its server application (`moto.moto_server`) runs in this process on
127.0.0.1 (an ephemeral port, a daemon thread), and every S3 client a service builds while
`activate(backends)` is on talks to it, whatever endpoint, region or credentials it was given::

    store = backends.s3                      # an S3Store: moto's server, started on first use
    store.url                                # http://127.0.0.1:<port>
    store.client.put_object(Bucket="in", Key="a.csv", Body=b"...")   # a boto3 client on it
    store.buckets(); store.keys("in"); store.get("in", "a.csv")
    store.mark_baseline()                    # what the store holds now is where tests start
    store.reset()                            # back to that baseline
    store.close()                            # stop the server

Why a server rather than moto's in-process `mock_aws`: MinIO's client speaks urllib3, which
`mock_aws` does not intercept (it hooks botocore, and `requests` through `responses`), and
`mock_aws` also changes process-wide things while on (credentials in `os.environ`,
`boto3.DEFAULT_SESSION`, a `responses` mock over every `requests` call, which would stack on the
`http` integration's). One server gives boto3 and MinIO the same buckets, and the clients' own
HTTP, signing and XML parsing run for real.

What `activate` changes while on (and gives back after):

- `botocore.session.Session.create_client` (boto3's `client`, `resource` and
  `Session().client` all go through it): an S3 client gets the store's URL as `endpoint_url`,
  path-style addressing, no accelerate or dual-stack endpoint. Clients of other AWS services
  are left as they are (the network guard refuses them);
- `minio.Minio.__init__`: the endpoint becomes the store's `127.0.0.1:<port>` without TLS;
  anonymous clients get test credentials (moto needs a signature to know the service);
- `boto3.DEFAULT_SESSION` is None (a default session made earlier, with the user's profile,
  is not reused) and the AWS variables botocore reads are set so that nothing of the user's
  AWS configuration is read: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` are test values,
  `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` are the null device, the metadata
  service is off, and `AWS_PROFILE`, `AWS_SESSION_TOKEN`, `AWS_ENDPOINT_URL(_S3)` and the role
  variables are unset. `AWS_DEFAULT_REGION` is `us-east-1` unless the service's environment
  gives one.

A client built at import keeps the store's endpoint for the session: the server lives as long.

Fresh state: `reset()` runs only when a request that can change the store (anything but GET,
HEAD and OPTIONS) reached the server since the baseline, so a test that does not touch S3 pays
nothing. It empties moto (its reset API) and puts back the baseline: each bucket present at
`mark_baseline()` (with its region) and its objects (bytes, content type, user metadata). Bucket
settings made at import (versioning, policies, lifecycle) are not put back.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.fakes.backends import Backends

TEST_KEY = "testing"  # moto accepts any key; signatures are checked against nothing
DEFAULT_REGION = "us-east-1"
# What botocore reads from the environment that could bring the user's AWS setup in.
_UNSET = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_USE_FIPS_ENDPOINT",
)
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextlib.contextmanager
def aws_environment() -> Iterator[None]:
    """The AWS variables botocore reads, set so that nothing of the user's setup is used (see
    the module docstring); only these names are touched, and each is given back after."""
    values: dict[str, str | None] = dict.fromkeys(_UNSET)
    values.update(
        AWS_ACCESS_KEY_ID=TEST_KEY,
        AWS_SECRET_ACCESS_KEY=TEST_KEY,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    if not os.environ.get("AWS_DEFAULT_REGION"):
        values["AWS_DEFAULT_REGION"] = os.environ.get("AWS_REGION") or DEFAULT_REGION
    saved = {name: os.environ.get(name) for name in values}
    changed = {name: value for name, value in values.items() if saved[name] != value}
    try:  # only what differs: each change is a system call, and this runs around every test
        _set(changed)
        yield
    finally:
        _set({name: saved[name] for name in changed})


def _set(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@dataclass
class _Object:
    key: str
    body: bytes
    content_type: str | None
    metadata: dict[str, str] = field(default_factory=dict)


class S3Store:
    """moto's S3 on 127.0.0.1, shared by every client of the session; see the module docstring."""

    def __init__(self) -> None:
        from moto.moto_server import werkzeug_app

        from harness.wire._server import LoopbackServer

        inner = werkzeug_app.DomainDispatcherApplication(
            werkzeug_app.create_backend_app
        )
        self._changed = threading.Event()

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("REQUEST_METHOD") not in _READ_ONLY_METHODS:
                self._changed.set()
            return inner(environ, start_response)

        # moto's handler keeps S3 metadata headers spelled with underscores (moto 5.1 and later).
        handler = getattr(werkzeug_app, "MotoRequestHandler", None)
        self._server = LoopbackServer(
            app, name="harness-s3", **({"handler": handler} if handler else {})
        )
        self.url: str = self._server.url
        self.host: str = self.url.removeprefix(
            "http://"
        )  # what a MinIO client is given
        self._client: Any = None
        self._warm = False
        self._baseline: dict[tuple[str, str | None], list[_Object]] = {}

    @property
    def client(self) -> Any:
        """A boto3 S3 client on the store: the test's view of the services' data."""
        if self._client is None:
            import boto3
            from botocore.config import Config

            with aws_environment():
                self._client = boto3.session.Session().client(
                    "s3",
                    endpoint_url=self.url,
                    region_name=DEFAULT_REGION,
                    config=Config(s3={"addressing_style": "path"}, proxies={}),
                )
        return self._client

    # -- the test's view ------------------------------------------------------------------

    def buckets(self) -> list[str]:
        return sorted(b["Name"] for b in self.client.list_buckets().get("Buckets", []))

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix
        )
        for page in pages:
            found.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(found)

    def get(self, bucket: str, key: str) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def put(self, bucket: str, key: str, body: bytes | str, **extra: Any) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.client.put_object(Bucket=bucket, Key=key, Body=data, **extra)

    def create_bucket(self, name: str, region: str | None = None) -> None:
        if region and region != DEFAULT_REGION:
            self.client.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
            )
        else:
            self.client.create_bucket(Bucket=name)

    def warm_up(self) -> None:
        """Run each kind of request once (and import what they import lazily: the boto3 client,
        moto's S3 backend and its templates), leaving the store as it was."""
        if self._warm:
            return
        self._warm = True
        had_changes = self._changed.is_set()
        self._empty()
        bucket = "harness-warm-up"
        self.create_bucket(bucket)
        self.put(bucket, "key", b"x", ContentType="text/plain", Metadata={"k": "v"})
        self.keys(bucket)
        self.get(bucket, "key")
        self.client.get_bucket_location(Bucket=bucket)
        self.client.delete_object(Bucket=bucket, Key="key")
        self.client.delete_bucket(Bucket=bucket)
        self.buckets()
        if not had_changes:
            self._changed.clear()

    # -- fresh state ----------------------------------------------------------------------

    def mark_baseline(self) -> None:
        """Remember every bucket and object as the state `reset` goes back to."""
        baseline: dict[tuple[str, str | None], list[_Object]] = {}
        for name in self.buckets():
            region = self.client.get_bucket_location(Bucket=name).get(
                "LocationConstraint"
            )
            objects = []
            for key in self.keys(name):
                got = self.client.get_object(Bucket=name, Key=key)
                objects.append(
                    _Object(
                        key,
                        got["Body"].read(),
                        got.get("ContentType"),
                        got.get("Metadata", {}),
                    )
                )
            baseline[(name, region)] = objects
        self._baseline = baseline
        self._changed.clear()

    def reset(self) -> None:
        """Back to the baseline (empty when none was marked); free when nothing changed."""
        if not self._changed.is_set():
            return
        self._empty()
        for (name, region), objects in self._baseline.items():
            self.create_bucket(name, region)
            for item in objects:
                extra: dict[str, Any] = {"Metadata": item.metadata}
                if item.content_type:
                    extra["ContentType"] = item.content_type
                self.put(name, item.key, item.body, **extra)
        self._changed.clear()

    def _empty(self) -> None:
        """No bucket left: moto's own reset (its API; every moto backend is emptied)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    def close(self) -> None:
        self._server.stop()


def store_for(backends: Backends) -> S3Store:
    """`backends.s3`, started and warmed up as outside any contract scope
    (`harness.modules.outside_scopes`: what moto imports, and what of the service's own imports
    it uses, its Flask, stays loaded after the scopes). Built on first use, the first S3 client
    made or the `s3` fixture: botocore is often imported by a library that never calls S3
    (kafka-python's MSK sign-in), and the store costs about a second. Once it is, every later
    client gets it as it is: stepping outside the scopes means putting the faked packages' real
    modules back for a moment, which a service building a client per request must not pay, and
    its other threads must not see."""
    store: S3Store | None = backends.built().get("s3")
    if store is not None and store._warm:
        return store
    from harness.modules import outside_scopes

    with outside_scopes():
        store = backends.s3
        store.warm_up()
    return store


def prepare_boto(backends: Backends) -> None:
    """What `activate_boto` patches, imported before any contract scope (botocore may be
    imported alone, by a library). The store waits for the first client (see `store_for`)."""
    import boto3  # noqa: F401
    import botocore.session  # noqa: F401


def prepare_minio(backends: Backends) -> None:
    """The MinIO client library, whose class `activate_minio` patches, and the store."""
    import minio  # noqa: F401 - imported now, outside any scope

    store_for(backends)


# -- the clients' construction, pointed at the store -----------------------------------------


@functools.cache
def _signature(function: Any) -> inspect.Signature:
    return inspect.signature(function)  # read once: the clients are patched around every test


def _botocore_create_client(store: Callable[[], S3Store], original: Any) -> Any:
    signature = _signature(original)

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        if bound.arguments.get("service_name") == "s3":
            from botocore.config import Config

            given = bound.arguments.get("config")
            s3 = {
                **((given.s3 if given is not None else None) or {}),
                "addressing_style": "path",
                "use_accelerate_endpoint": False,
                "use_dualstack_endpoint": False,
            }
            extra = Config(s3=s3, proxies={})
            bound.arguments["config"] = (
                given.merge(extra) if given is not None else extra
            )
            bound.arguments["endpoint_url"] = store().url
            bound.arguments["use_ssl"] = False
        return original(*bound.args, **bound.kwargs)

    return create_client


def _minio_init(store: S3Store, original: Any) -> Any:
    signature = _signature(original)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.arguments["endpoint"] = store.host
        bound.arguments["secure"] = False
        arguments = bound.arguments
        if not arguments.get("access_key") and arguments.get("credentials") is None:
            arguments["access_key"] = arguments["secret_key"] = TEST_KEY
        original(*bound.args, **bound.kwargs)

    return __init__


_BOTO_ACTIVE: list[Backends] = []  # the backends of the activations in force, innermost last


@contextlib.contextmanager
def activate_boto(backends: Backends) -> Iterator[None]:
    """boto3 and botocore S3 clients built while active talk to `backends.s3`."""
    from unittest import mock

    import boto3
    import botocore.session

    if _BOTO_ACTIVE and _BOTO_ACTIVE[-1] is backends:
        yield  # boto3 and botocore are both decided: the patches are already on for them
        return
    session_class = botocore.session.Session
    _BOTO_ACTIVE.append(backends)
    with contextlib.ExitStack() as stack:
        stack.callback(_BOTO_ACTIVE.pop)
        stack.enter_context(aws_environment())
        stack.enter_context(mock.patch.object(boto3, "DEFAULT_SESSION", None))
        stack.enter_context(
            mock.patch.object(
                session_class,
                "create_client",
                _botocore_create_client(
                    lambda: store_for(backends), session_class.create_client
                ),
            )
        )
        yield


@contextlib.contextmanager
def activate_minio(backends: Backends) -> Iterator[S3Store]:
    """MinIO clients built while active talk to `backends.s3`."""
    from unittest import mock

    import minio

    store = store_for(backends)
    with mock.patch.object(
        minio.Minio, "__init__", _minio_init(store, minio.Minio.__init__)
    ):
        yield store
