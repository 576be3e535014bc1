"""A totals board run from its repository's root (`flask --app src.server run` in board/): it
imports its own modules as `src.*`, and src/ has no __init__.py."""

from flask import Flask, jsonify, request

from src.infra.store import record, totals_by_site
from src.routes.format import as_rows

app = Flask(__name__)


@app.get("/totals")
def totals():
    return jsonify(as_rows(totals_by_site()))


@app.post("/sales")
def sale():
    body = request.get_json()
    record(body["site"], float(body["amount"]))
    return jsonify(ok=True), 201
