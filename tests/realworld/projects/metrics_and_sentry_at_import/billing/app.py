"""Invoicing: Sentry and Prometheus set up at import, as production does it."""

import os

import sentry_sdk
from flask import Flask, jsonify, request
from prometheus_client import Counter, Gauge, start_http_server

sentry_sdk.init(dsn=os.environ.get("SENTRY_DSN"), environment="production", traces_sample_rate=0.2)
INVOICES = Counter("invoices_total", "Invoices issued", ["currency"])
OPEN_AMOUNT = Gauge("open_amount", "Amount not paid yet")
start_http_server(int(os.environ.get("METRICS_PORT", "9102")))

app = Flask(__name__)


@app.route("/invoices", methods=["POST"])
def issue():
    body = request.get_json()
    try:
        amount = round(sum(line["price"] * line["quantity"] for line in body["lines"]), 2)
    except (KeyError, TypeError) as error:
        sentry_sdk.capture_exception(error)
        return jsonify({"error": "malformed invoice"}), 400
    INVOICES.labels(currency=body.get("currency", "EUR")).inc()
    OPEN_AMOUNT.inc(amount)
    return jsonify({"amount": amount}), 201
