from flask import Flask, jsonify, request

from ledger.settings import CURRENCY
from ledger.store import mongo

app = Flask(__name__)


@app.post("/accounts/<account>/entries")
def add_entry(account):
    mongo.add(account, int(request.get_json()["cents"]))
    return jsonify(balance(account)), 201


@app.get("/accounts/<account>")
def balance_view(account):
    return jsonify(balance(account))


def balance(account):
    cents = mongo.balance(account)
    return {"account": account, "balance": f"{cents / 100:.2f} {CURRENCY}"}
