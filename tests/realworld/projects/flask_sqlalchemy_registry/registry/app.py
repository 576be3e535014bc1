import os
from importlib import import_module

from flask import Flask, jsonify, request

settings = os.path.join(os.path.dirname(__file__), "settings.py")


def create_app():
    app = Flask(__name__)
    app.config.from_pyfile(settings)
    for extension in app.config["EXTENSIONS"]:
        module_name, factory = extension.split(":")
        getattr(import_module(module_name), factory)(app)

    from registry.models import Route, Service

    @app.route("/services", methods=["GET"])
    def list_services():
        active = Service.query.filter_by(active=True).order_by(Service.name).all()
        return jsonify([service.to_json() for service in active])

    @app.route("/services", methods=["POST"])
    def register():
        body = request.get_json()
        service = app.db.session.execute(
            app.db.select(Service).filter_by(name=body["name"])
        ).scalar_one_or_none()
        if service is None:
            service = Service(name=body["name"], host=body["host"])
            app.db.session.add(service)
        service.host = body["host"]
        service.active = True
        known = {route.path for route in service.routes}
        for path in body.get("routes", []):
            if path not in known:
                app.db.session.add(Route(service=service, path=path))
        app.db.session.commit()
        return jsonify(service.to_json()), 201

    @app.route("/services/<name>", methods=["DELETE"])
    def deregister(name):
        service = Service.query.filter_by(name=name).first_or_404()
        service.active = False
        app.db.session.commit()
        return "", 204

    return app
