"""A ledger API on PostgreSQL (no integration: psycopg2 is stubbed), whose handlers catch the
driver's errors by their classes."""
import os

import psycopg2
from flask import Flask, jsonify

conn = psycopg2.connect(os.environ["DATABASE_URL"])
app = Flask(__name__)


@app.route("/balance/<account>")
def balance(account):
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT balance FROM accounts WHERE id = %s", (account,))
            row = cursor.fetchone()
    except psycopg2.OperationalError as error:
        return jsonify(error=f"database unavailable: {error}"), 503
    except psycopg2.Error:
        return jsonify(error="query failed"), 500
    return jsonify(account=account, balance=row[0])
