"""A photo album API made by an application factory: MongoDB through a Flask-PyMongo-like
extension, photos stored in GridFS, routes registered from inside the factory."""
from flask import Flask, jsonify

from app.database import config_mongo, mongo


def register_blueprints(app):
    from app.photos import bp

    app.register_blueprint(bp)


def create_app():
    app = Flask(__name__)
    config_mongo(app)
    register_blueprints(app)

    @app.route("/health")
    def health():
        return jsonify({"api": "ok", "mongo": mongo.db.command("ping")["ok"]})

    return app
