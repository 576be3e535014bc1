from flask import jsonify, request

from shop import app, db


@app.route("/items/<sku>", methods=["PUT"])
def put_item(sku):
    body = request.get_json()
    if body.get("price", -1) < 0:
        return jsonify({"error": "price must be >= 0"}), 400
    db.items.update_one({"sku": sku}, {"$set": {"sku": sku, "price": body["price"]}}, upsert=True)
    return jsonify({"sku": sku}), 200


@app.route("/items/<sku>")
def get_item(sku):
    item = db.items.find_one({"sku": sku}, {"_id": 0})
    if item is None:
        return jsonify({"error": "not found"}), 404
    return jsonify(item), 200
