from flask import Flask


def create_app():
    app = Flask(__name__)
    from shop.views import register  # imported inside the factory, as many Flask apps do

    register(app)
    return app
