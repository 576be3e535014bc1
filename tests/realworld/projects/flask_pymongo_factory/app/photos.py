from flask import Blueprint, jsonify, request

from app.database import mongo

bp = Blueprint("photos", __name__)


@bp.post("/albums/<album>/photos/<name>")
def upload(album, name):
    if mongo.db.photos.find_one({"album": album, "name": name}):
        return jsonify({"error": "exists"}), 409
    file_id = mongo.save_file(name, request.get_data())
    mongo.db.photos.insert_one(
        {"album": album, "name": name, "file_id": file_id, "type": request.content_type}
    )
    return jsonify({"name": name}), 201


@bp.get("/albums/<album>/photos/<name>")
def download(album, name):
    photo = mongo.db.photos.find_one_or_404({"album": album, "name": name})
    stored = mongo.open_file(photo["name"])
    return stored.read(), 200, {"Content-Type": photo["type"] or "application/octet-stream"}


@bp.get("/albums/<album>")
def album(album):
    names = [p["name"] for p in mongo.db.photos.find({"album": album}).sort("name", 1)]
    return jsonify(names)
