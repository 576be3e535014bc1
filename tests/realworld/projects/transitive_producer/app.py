"""Order intake: the Kafka producer is built three imports down (app -> handlers -> messaging)."""
from flask import Flask, jsonify, request

import handlers

app = Flask(__name__)


@app.route("/orders", methods=["POST"])
def create_order():
    try:
        total = handlers.accept(request.get_json())
    except ValueError as error:
        return jsonify({"error": str(error)}), 400
    return jsonify({"status": "accepted", "total": total}), 202
