"""AWS at level `fake`: the real boto3/botocore and MinIO clients, answered by moto's server.

moto is the AWS here: its server application (`moto.moto_server`, no service pinned) runs in
this process on 127.0.0.1 (an ephemeral port, a daemon thread), and every botocore client a
service builds while `activate(backends)` is on talks to it, of S3 or of any other service
(DynamoDB, SQS, SNS, SSM, Secrets Manager...), whatever endpoint, region or credentials it was
given; so does every MinIO client. moto tells the services apart by the service each request is
signed for. A service moto does not implement gets, at the call, an error naming it
(`NotImplemented`, "moto implements no AWS service ..."), never a connection elsewhere::

    store = backends.s3                      # an S3Store: moto's server, started on first use
    store.url                                # http://127.0.0.1:<port>
    store.client.put_object(Bucket="in", Key="a.csv", Body=b"...")   # a boto3 S3 client on it
    store.aws_client("dynamodb", "eu-west-1")   # a client (or `aws_resource`) of any service
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
  `Session().client` all go through it): every client gets the store's URL as `endpoint_url`,
  without TLS, proxy or host prefix (`client_config`); an S3 client also path-style addressing,
  no accelerate or dual-stack endpoint;
- `minio.Minio.__init__`: the endpoint becomes the store's `127.0.0.1:<port>` without TLS;
  anonymous clients get test credentials (moto needs a signature to know the service);
- `boto3.DEFAULT_SESSION` is None (a default session made earlier, with the user's profile,
  is not reused) and the AWS variables botocore reads are set so that nothing of the user's
  AWS configuration is read: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` are test values,
  `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` are the null device, the metadata
  service is off, and `AWS_PROFILE`, `AWS_SESSION_TOKEN`, `AWS_ENDPOINT_URL(_S3)` and the role
  variables are unset. `AWS_DEFAULT_REGION` is `us-east-1` unless the service's environment
  gives one.

A client built at import keeps the store's endpoint for the session: the server lives as long
(a queue URL got at import, `http://127.0.0.1:<port>/...`, stays right).

Fresh state: `reset()` runs only when a request that can change the store (anything but GET,
HEAD and OPTIONS: every DynamoDB or SQS call, reads included, is a POST) reached the server since
the baseline, so a test that does not touch AWS pays nothing. It empties moto (its reset API,
every service) and puts back the baseline, what the imports left (and what a test made before
the import that marked it, e.g. a queue the service looks up at import):

- S3: each bucket present at `mark_baseline()` (with its region) and its objects (bytes, content
  type, user metadata). Bucket settings made at import (versioning, policies, lifecycle) are not
  put back;
- every other service: the requests that reached it since the last reset are sent again, in
  order (tables, items, queues, messages, parameters, secrets are as the imports left them).
  What moto draws at random is drawn again: a secret's ARN suffix, a message id, a timestamp.
  moto's own recorder does this job but writes a file in the working directory and replays
  through `requests`, which a test's `responses` mock would catch: hence the short journal here.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import json
import os
import threading
import urllib.error
import urllib.parse
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
# Headers of one connection, not of the request: not sent again when a request is replayed.
_HOP_HEADERS = frozenset({"HOST", "CONNECTION", "TRANSFER_ENCODING", "EXPECT", "KEEP_ALIVE"})
# The store's own requests (moto's reset API) go straight to it, whatever proxy is configured.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
        values["AWS_DEFAULT_REGION"] = default_region()
    saved = {name: os.environ.get(name) for name in values}
    changed = {name: value for name, value in values.items() if saved[name] != value}
    try:  # only what differs: each change is a system call, and this runs around every test
        _set(changed)
        yield
    finally:
        _set({name: saved[name] for name in changed})


def default_region() -> str:
    """The region a client that names none gets: the environment's `AWS_DEFAULT_REGION`, else
    its `AWS_REGION`, else `us-east-1` (what `aws_environment` sets)."""
    return (
        os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or DEFAULT_REGION
    )


def _set(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def signing_service(environ: dict[str, Any]) -> str | None:
    """The AWS service a request is signed for (its SigV4 credential scope, in the
    `Authorization` header or a presigned URL's `X-Amz-Credential`), or None when unsigned."""
    credential = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2]
    if not credential:
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        credential = (query.get("X-Amz-Credential") or [""])[0]
    scope = credential.split(",")[0].split("/")  # key/date/region/service/aws4_request
    return scope[3].lower() if len(scope) == 5 else None


@dataclass(frozen=True)
class _Request:
    """A request that may have changed a service other than S3, kept to be sent again."""

    method: str
    uri: str
    headers: dict[str, str]
    body: bytes

    @classmethod
    def read(cls, environ: dict[str, Any]) -> _Request:
        """The request `environ` carries; its body is read and put back for moto to read."""
        stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH")
        if length:
            body = stream.read(int(length))
        else:
            body = stream.read() if environ.get("wsgi.input_terminated") else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {
            key[5:].replace("_", "-"): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key[5:] not in _HOP_HEADERS
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        uri = environ.get("RAW_URI") or urllib.parse.quote(environ.get("PATH_INFO", "/"))
        if "RAW_URI" not in environ and environ.get("QUERY_STRING"):
            uri += "?" + environ["QUERY_STRING"]
        return cls(environ["REQUEST_METHOD"], uri, headers, body)


def _not_served(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The answer to a request moto has no backend for: an error the client raises at the call,
    naming the service, rather than moto's internal error (which botocore retries)."""
    service = signing_service(environ) or "unsigned request"
    message = (
        f"harness: moto implements no AWS service {service!r}, so nothing answers this client "
        "here; patch the call in the test, or load the service with fidelity={'boto3': 'stub'}"
    )
    body = json.dumps({"__type": "NotImplemented", "message": message}).encode()
    start_response(
        "501 Not Implemented",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", "NotImplemented"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


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
        # Requests to services other than S3 since the last reset, in order (see `reset`).
        self._journal: list[_Request] = []

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("REQUEST_METHOD") not in _READ_ONLY_METHODS:
                self._changed.set()
                if not environ.get("PATH_INFO", "").startswith("/moto-api") and (
                    signing_service(environ) != "s3"
                ):
                    self._journal.append(_Request.read(environ))
            try:  # what moto's own `__call__` does, but a service it lacks is said so
                backend_app = inner.get_application(environ)
            except Exception:  # noqa: BLE001 - moto found no backend: it fails building one for None
                return _not_served(environ, start_response)
            return backend_app(environ, start_response)

        # moto's handler keeps S3 metadata headers spelled with underscores (moto 5.1 and later).
        handler = getattr(werkzeug_app, "MotoRequestHandler", None)
        self._server = LoopbackServer(
            app, name="harness-s3", **({"handler": handler} if handler else {})
        )
        self.url: str = self._server.url
        self.host: str = self.url.removeprefix(
            "http://"
        )  # what a MinIO client is given
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._warm = False
        self._baseline: dict[tuple[str, str | None], list[_Object]] = {}
        self._baseline_requests: list[_Request] = []

    @property
    def client(self) -> Any:
        """A boto3 S3 client on the store: the test's view of the services' data."""
        return self.aws_client("s3", DEFAULT_REGION)

    def aws_client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client of any AWS service moto implements, on this server, in `region`
        (by default `default_region()`, as a service's client that names none)."""
        return self._boto("client", service, region)

    def aws_resource(self, service: str, region: str | None = None) -> Any:
        """A boto3 resource (`dynamodb`, `sqs`, `sns`, `s3`...) on this server, as `aws_client`."""
        return self._boto("resource", service, region)

    def _boto(self, kind: str, service: str, region: str | None) -> Any:
        key = (kind, service, region or default_region())
        if key not in self._clients:
            import boto3

            with aws_environment():
                self._clients[key] = getattr(boto3.session.Session(), kind)(
                    service,
                    endpoint_url=self.url,
                    use_ssl=False,
                    region_name=key[2],
                    config=client_config(service, None),
                )
        return self._clients[key]

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
        """Remember every bucket and object, and the requests made to other services since
        the last reset, as the state `reset` goes back to."""
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
        self._baseline_requests = list(self._journal)
        self._changed.clear()

    def reset(self) -> None:
        """Back to the baseline (empty when none was marked); free when nothing changed.
        S3 is put back from its contents; every other service by sending its baseline requests
        again, in order (moto's state is not copyable: its queues hold locks)."""
        if not self._changed.is_set():
            return
        self._empty()
        self._journal.clear()
        for (name, region), objects in self._baseline.items():
            self.create_bucket(name, region)
            for item in objects:
                extra: dict[str, Any] = {"Metadata": item.metadata}
                if item.content_type:
                    extra["ContentType"] = item.content_type
                self.put(name, item.key, item.body, **extra)
        for request in self._baseline_requests:  # journaled again as they pass
            self._send(request)
        self._changed.clear()

    def _send(self, request: _Request) -> None:
        sent = urllib.request.Request(
            self.url + request.uri,
            data=request.body or None,
            headers=request.headers,
            method=request.method,
        )
        try:
            with _DIRECT.open(sent, timeout=10) as answer:
                answer.read()
        except urllib.error.HTTPError as error:  # an error the first time too: the same state
            error.close()

    def _empty(self) -> None:
        """No bucket left: moto's own reset (its API; every moto backend is emptied)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with _DIRECT.open(request, timeout=10) as answer:
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


def client_config(service: str, given: Any) -> Any:
    """`given` (a botocore `Config` or None) with what every client on the store needs: no
    proxy, no host prefix on data-plane operations (`data-<host>` cannot resolve on a bare
    address); for S3 also path-style addressing, no accelerate or dual-stack endpoint."""
    from botocore.config import Config

    extra: dict[str, Any] = {"proxies": {}, "inject_host_prefix": False}
    if service == "s3":
        extra["s3"] = {
            **((given.s3 if given is not None else None) or {}),
            "addressing_style": "path",
            "use_accelerate_endpoint": False,
            "use_dualstack_endpoint": False,
        }
    config = Config(**extra)
    return given.merge(config) if given is not None else config


def _botocore_create_client(store: Callable[[], S3Store], original: Any) -> Any:
    signature = _signature(original)

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        service = bound.arguments.get("service_name")
        bound.arguments["config"] = client_config(service, bound.arguments.get("config"))
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
    """boto3 and botocore clients (of any AWS service) built while active talk to
    `backends.s3`."""
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
