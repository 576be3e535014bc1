"""AWS: `boto3`/`botocore` (clients, resources, sessions) and MinIO's `minio`, served by moto.

Named after S3, its first service: it now serves every AWS service moto implements.

| level  | what serves it                                                                        |
|--------|---------------------------------------------------------------------------------------|
| `fake` | the real clients against moto's server on 127.0.0.1 (in this process): every client a |
|        | service builds, S3, MinIO or any other AWS service (DynamoDB, SQS, SNS, SSM...), gets |
|        | its endpoint, whatever URL, region or keys it was given; a service moto lacks fails   |
|        | at the call, saying so; nothing of the user's AWS configuration is read               |
|        | (`harness.fakes.s3`)                                                                  |
| `wire` | none: the `fake` level is used (noted in the report), see `WIRE_FALLBACK`            |

Fixture `s3` (`harness.fixtures.S3Fixture`): put and read objects, list buckets and keys, and a
boto3 client or resource of any service (`aws_client`, `aws_resource`) on that server. Before
each test it is back to its state right after the services' imports: buckets created at import
are kept, with their objects, and so is what other services were asked to do at import.

moto is imported and its server started (about a second) only when a service or a test makes its
first AWS client, or a test uses the fixture: not merely because boto3 or botocore is imported
(kafka-python imports botocore for its MSK sign-in).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.fidelity import Fidelity
from harness.integrations.base import Backend, Integration, Provider, Wire

WIRE_FALLBACK = (
    "moto's server on 127.0.0.1 already answers at the fake level (the clients' own HTTP, "
    "signing and parsing run): the fake level is used"
)


def _store(options: Mapping[str, Any]) -> Any:
    from harness.fakes.s3 import S3Store

    return S3Store()


def _provider(package: str, client: str) -> Provider:
    return Provider(
        package,
        Fidelity.FAKE,
        None,
        activation=f"harness.fakes.s3:activate_{client}",
        prepare=f"harness.fakes.s3:prepare_{client}",
        description=f"the real {package}, its clients on moto's server on 127.0.0.1",
    )


INTEGRATION = Integration(
    name="s3",
    packages=("boto3", "botocore", "minio"),
    providers={
        Fidelity.FAKE: {
            "boto3": _provider("boto3", "boto"),
            "botocore": _provider("botocore", "boto"),
            "minio": _provider("minio", "minio"),
        }
    },
    backends=(
        Backend(
            "s3",
            _store,
            reset=lambda store: store.reset(),
            baseline=lambda store: store.mark_baseline(),
            close=lambda store: store.close(),
        ),
    ),
    wire=Wire(fallback=WIRE_FALLBACK),
    fixture="harness.fixtures:S3Fixture",
    description="AWS (boto3, botocore: S3, DynamoDB, SQS... ; MinIO) through moto",
    client_constructors=("boto3.client", "boto3.resource", "minio.Minio"),
    connecting_methods=(
        "create_bucket", "head_bucket", "list_buckets", "put_object", "get_object",
        "delete_object", "upload_file", "download_file", "list_objects", "list_objects_v2",
        "make_bucket", "bucket_exists", "create_table", "create_queue", "get_queue_url",
    ),
)
