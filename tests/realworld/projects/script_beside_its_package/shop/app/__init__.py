import os

import redis
from flask import Flask

from app.basket import Basket

store = redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]))


def create_app():
    application = Flask(__name__)

    @application.post("/basket/<user>/<item>")
    def add(user, item):
        return {"items": Basket(store, user).add(item)}

    @application.get("/basket/<user>")
    def show(user):
        return {"items": Basket(store, user).items()}

    return application
