from app.config import MongoConfig
from mongo_ext import PyMongo

mongo = PyMongo()


def get_mongo_uri():
    auth = f"{MongoConfig.USER}:{MongoConfig.PWD}"
    host = f"{MongoConfig.HOST}:{MongoConfig.PORT}"
    return f"mongodb://{auth}@{host}/{MongoConfig.DB}?authSource=admin"


def config_mongo(app):
    app.config["MONGO_URI"] = get_mongo_uri()
    mongo.init_app(app)
