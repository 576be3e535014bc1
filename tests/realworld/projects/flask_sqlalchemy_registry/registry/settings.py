import os

SQLALCHEMY_DATABASE_URI = os.environ["SQLALCHEMY_DATABASE_URI"]
SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 20, "pool_recycle": 300}
EXTENSIONS = ["registry.extensions.database:init_app"]
