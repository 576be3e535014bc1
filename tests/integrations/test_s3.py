"""S3 (boto3, botocore, MinIO) as a service's tests meet it: moto behind the `s3` fixture.

The generated project runs in a network namespace of its own (loopback only): the endpoints the
service is given are `*.invalid` names, and nothing could leave the machine even if the harness
failed to point a client at moto's loopback server. moto is imported only by that child run.
"""

from __future__ import annotations

import pytest
from plugin.conftest import Project

from harness import integrations
from harness.analysis.model import EnvUse
from harness.env import plausible_value, use_by_name
from harness.fidelity import Fidelity

SERVICE = """
import os

import boto3
from minio import Minio

BUCKET = os.environ["S3_BUCKET"]
s3 = boto3.client("s3", endpoint_url=os.environ["S3_URL"])
s3.create_bucket(Bucket=BUCKET)
s3.put_object(Bucket=BUCKET, Key="config/rates.json", Body=b'{"EUR": 1.1}')
resource = boto3.resource("s3", region_name="eu-west-1")
session_client = boto3.session.Session().client("s3", endpoint_url="https://objects.invalid")
archive = Minio("minio.invalid:9000", access_key="key", secret_key="secret", secure=True)


def store(name, data):
    resource.Bucket(BUCKET).put_object(Key=f"in/{name}", Body=data)
    return sorted(o["Key"] for o in session_client.list_objects_v2(Bucket=BUCKET)["Contents"])


def archived(name):
    return archive.get_object(BUCKET, f"in/{name}").read()


def credentials():
    return s3._request_signer._credentials.access_key
"""

# botocore imported by a library the service uses but that never calls S3 (kafka-python's MSK
# sign-in does this): no store is started for it, until a client is made.
QUIET = """
import botocore.session


def upload(name, data):
    import boto3

    boto3.client("s3").put_object(Bucket="late", Key=name, Body=data)
"""

# A web service whose Flask app and client are built at import in a module of its own, Flask
# first: moto's server (a Flask application) is started by that client, inside the import, and
# must keep working on the same Flask as the service's in every later test.
WEB_SETUP = """
from flask import Flask, request
import boto3

app = Flask(__name__)
client = boto3.client("s3", region_name="u-west-2")
"""

WEB = """
from web_setup import app, client, request


@app.post("/upload")
def upload():
    client.put_object(Bucket="uploads", Key=request.args["name"], Body=request.get_data())
    return {"ok": True}
"""

TESTS = """
import sys


def test_a_service_that_makes_no_s3_client_starts_no_store(legacy):
    assert "flask" not in sys.modules  # the web service below brings it in first
    legacy.load("quiet")
    assert "moto" not in sys.modules


def test_a_web_service_whose_import_starts_the_store_puts_what_it_is_sent(legacy):
    web = legacy.load("web")
    web.client.create_bucket(
        Bucket="uploads", CreateBucketConfiguration={"LocationConstraint": "u-west-2"}
    )
    assert web.app.test_client().post("/upload?name=a.txt", data=b"1").status_code == 200
    assert web.client.get_object(Bucket="uploads", Key="a.txt")["Body"].read() == b"1"


def test_the_next_test_starts_from_the_store_the_imports_left(legacy, s3):
    web = legacy.load("web")
    assert s3.buckets() == []
    s3.create_bucket("uploads")
    assert web.app.test_client().post("/upload?name=b.txt", data=b"2").status_code == 200
    assert s3.get("uploads", "b.txt") == b"2"


def test_the_first_client_made_in_a_test_gets_the_store(legacy, s3):
    quiet = legacy.load("quiet")
    s3.create_bucket("late")
    quiet.upload("a.txt", b"1")
    assert s3.keys("late") == ["a.txt"]


def test_import_time_bucket_and_object_are_the_baseline(legacy, s3):
    svc = legacy.load("svc")
    assert s3.buckets() == [svc.BUCKET]
    assert s3.keys(svc.BUCKET) == ["config/rates.json"]
    s3.put(svc.BUCKET, "config/rates.json", "changed")
    s3.create_bucket("scratch")


def test_every_client_shares_the_store_which_is_fresh_in_each_test(legacy, s3):
    svc = legacy.load("svc")
    assert s3.buckets() == [svc.BUCKET]
    assert s3.get(svc.BUCKET, "config/rates.json") == b'{"EUR": 1.1}'
    assert svc.store("a.csv", b"1,2") == ["config/rates.json", "in/a.csv"]
    assert svc.archived("a.csv") == b"1,2"
    s3.put(svc.BUCKET, "in/b.csv", b"3,4")
    assert svc.archived("b.csv") == b"3,4"


def test_the_user_aws_setup_is_not_read(legacy, s3):
    svc = legacy.load("svc")
    assert svc.credentials() == "testing"
    assert s3.keys(svc.BUCKET, prefix="in/") == []
"""


# A child pytest importing boto3, moto and Flask: slow on a busy machine.
@pytest.mark.timeout(240)
def test_boto3_and_minio_clients_of_a_service_share_moto_with_the_test(
    project: Project, monkeypatch
) -> None:
    project.legacy("svc.py", SERVICE)
    project.legacy("quiet.py", QUIET)
    project.legacy("web.py", WEB)
    project.legacy("web_setup.py", WEB_SETUP)
    project.config(
        '[tool.harness.services.svc]\npath = "svc.py"\n'
        '[tool.harness.services.quiet]\npath = "quiet.py"\n'
        '[tool.harness.services.web]\npath = "web.py"\n'
    )
    project.tests(TESTS)
    home = project.pytester.path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text("[prod]\naws_access_key_id = REAL\n")
    (home / ".aws" / "config").write_text("[profile prod]\nregion = ap-south-1\n")
    # A user's shell: real-looking keys and a profile that would be read if anything looked.
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "REAL")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://s3.invalid")

    result = project.run_isolated("-p", "no:randomly", timeout=200)  # in the order written

    result.assert_outcomes(passed=7)


# A Lambda handler writing the DynamoDB table its environment names; its `except Exception`
# would make a refused connection look like a handled error.
ORDERS = """
import os

import boto3

TABLE = boto3.resource(
    "dynamodb", region_name="eu-west-1", endpoint_url="https://dynamodb.invalid"
).Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    try:
        TABLE.put_item(Item={"id": event["id"], "total": event["total"]})
    except Exception as error:
        return {"statusCode": 500, "error": str(error)}
    return {"statusCode": 201}
"""

# A notifier whose queue is created at import, and which looks up another one the service
# expects to exist (made by the test before the import).
NOTIFIER = """
import boto3

SQS = boto3.client("sqs")
QUEUE_URL = SQS.create_queue(QueueName="notifications")["QueueUrl"]
ALERTS_URL = SQS.get_queue_url(QueueName="alerts")["QueueUrl"]


def notify(text):
    SQS.send_message(QueueUrl=QUEUE_URL, MessageBody=text)


def prices():
    return boto3.client("pricing").describe_services()
"""

AWS_TESTS = """
import pytest
from botocore.exceptions import ClientError

TABLE = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def bodies(s3, url):
    got = s3.aws_client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return sorted(m["Body"] for m in got.get("Messages", []))


def test_a_queue_the_service_expects_is_made_through_the_fixture_before_the_import(legacy, s3):
    s3.aws_client("sqs").create_queue(QueueName="alerts")
    notifier = legacy.load("notifier")
    assert notifier.ALERTS_URL.endswith("/alerts")


def test_a_dynamodb_table_written_by_a_handler_is_read_back_by_the_test(legacy, s3):
    orders = legacy.load("orders")
    s3.aws_client("dynamodb", region="eu-west-1").create_table(TableName="orders", **TABLE)
    assert orders.handler({"id": "1", "total": 3}, None) == {"statusCode": 201}
    item = s3.aws_resource("dynamodb", region="eu-west-1").Table("orders").get_item(
        Key={"id": "1"}
    )
    assert item["Item"] == {"id": "1", "total": 3}


def test_a_table_made_in_a_test_is_gone_in_the_next(legacy, s3):
    orders = legacy.load("orders")
    assert s3.aws_client("dynamodb", region="eu-west-1").list_tables()["TableNames"] == []
    assert orders.handler({"id": "2", "total": 1}, None)["statusCode"] == 500


def test_a_queue_made_at_import_takes_a_message(legacy, s3):
    notifier = legacy.load("notifier")
    notifier.notify("first")
    assert bodies(s3, notifier.QUEUE_URL) == ["first"]


def test_the_queue_made_at_import_is_kept_and_emptied_for_the_next_test(legacy, s3):
    notifier = legacy.load("notifier")
    notifier.notify("second")
    assert bodies(s3, notifier.QUEUE_URL) == ["second"]
    assert s3.aws_client("sqs").get_queue_url(QueueName="alerts")["QueueUrl"]


def test_a_service_moto_lacks_fails_at_the_call_saying_so(legacy):
    notifier = legacy.load("notifier")
    with pytest.raises(ClientError, match="moto implements no AWS service 'pricing'"):
        notifier.prices()
"""


@pytest.mark.timeout(240)
def test_dynamodb_and_sqs_clients_of_a_service_get_moto_with_fresh_state_per_test(
    project: Project,
) -> None:
    project.legacy("orders.py", ORDERS)
    project.legacy("notifier.py", NOTIFIER)
    project.config(
        '[tool.harness.services.orders]\npath = "orders.py"\n'
        '[tool.harness.services.orders.env]\nORDERS_TABLE = "orders"\n'
        '[tool.harness.services.notifier]\npath = "notifier.py"\n'
    )
    project.tests(AWS_TESTS)

    result = project.run_isolated("-p", "no:randomly", timeout=200)  # in the order written

    result.assert_outcomes(passed=6)


def test_s3_packages_belong_to_the_s3_integration_whose_wire_level_is_its_fake() -> (
    None
):
    for package in ("boto3", "botocore", "minio"):
        integration = integrations.for_package(package)
        assert integration.name == "s3"
        assert integration.levels(package) == (Fidelity.STUB, Fidelity.FAKE)
        assert not integrations.serves_modules(package, Fidelity.WIRE)
    assert "moto" in integrations.by_name("s3").wire.fallback


def test_s3_variables_get_values_an_s3_or_minio_client_accepts() -> None:
    values = {
        name: plausible_value(name, use_by_name(name))
        for name in (
            "S3_BUCKET",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "MINIO_ENDPOINT",
            "MINIO_URL",
        )
    }
    assert values == {
        "S3_BUCKET": "s3-bucket",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "MINIO_ENDPOINT": "192.0.2.1:9000",  # host:port, as Minio(endpoint) takes it
        "MINIO_URL": "http://192.0.2.1:9000",
    }
    assert plausible_value("MINIO_HOST", EnvUse.HOST) == "192.0.2.1"
