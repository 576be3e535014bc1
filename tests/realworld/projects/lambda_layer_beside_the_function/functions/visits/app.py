"""An AWS Lambda handler: counts the visits of a page in the layer's store."""

import json

from visit_store import PREFIX, count


def lambda_handler(event, context):
    page = event["pathParameters"]["page"].strip("/").lower()
    if not page:
        return {"statusCode": 400, "body": json.dumps({"error": "no page"})}
    return {"statusCode": 200, "body": json.dumps({"page": page, "visits": count(page)})}


def prefix():
    return PREFIX
