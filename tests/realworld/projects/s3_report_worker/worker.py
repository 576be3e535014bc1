"""Meter readings uploaded as CSV to inbox/ become daily JSON reports under reports/; the raw
file goes to the archive (a MinIO server) and leaves the inbox. Polls every minute."""

import csv
import io
import json
import os
import threading
import time

import boto3
from minio import Minio

BUCKET = os.environ["S3_BUCKET"]
ARCHIVE_BUCKET = os.environ.get("ARCHIVE_BUCKET", "meter-archive")
POLL_SECONDS = int(os.environ.get("POLL_SECONDS", "60"))

s3 = boto3.client("s3", endpoint_url=os.environ["S3_URL"], region_name=os.environ["AWS_REGION"])
s3.create_bucket(Bucket=BUCKET)
reports = boto3.resource("s3").Bucket(BUCKET)

archive = Minio(
    os.environ["MINIO_ENDPOINT"],
    access_key=os.environ["MINIO_ACCESS_KEY"],
    secret_key=os.environ["MINIO_SECRET_KEY"],
    secure=False,
)
if not archive.bucket_exists(ARCHIVE_BUCKET):
    archive.make_bucket(ARCHIVE_BUCKET)

PROCESSED = []


def summarize(text):
    """kWh per meter; blank and negative readings are skipped and counted."""
    totals, skipped = {}, 0
    for row in csv.DictReader(io.StringIO(text)):
        value = (row.get("kwh") or "").strip()
        if not value or float(value) < 0:
            skipped += 1
            continue
        totals[row["meter"]] = round(totals.get(row["meter"], 0.0) + float(value), 3)
    return {"totals": totals, "skipped": skipped}


def process(key):
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    day = key.rsplit("/", 1)[-1].removesuffix(".csv")
    reports.put_object(
        Key=f"reports/{day}.json",
        Body=json.dumps(summarize(body.decode())).encode(),
        ContentType="application/json",
    )
    archive.put_object(ARCHIVE_BUCKET, f"raw/{day}.csv", io.BytesIO(body), len(body))
    s3.delete_object(Bucket=BUCKET, Key=key)
    PROCESSED.append(day)


def run_once():
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="inbox/")
    for item in listed.get("Contents", []):
        if item["Key"].endswith(".csv"):
            process(item["Key"])


def poll():
    while True:
        run_once()
        time.sleep(POLL_SECONDS)


threading.Thread(target=poll, daemon=True).start()
