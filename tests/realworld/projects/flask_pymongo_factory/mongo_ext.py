"""A Flask extension for MongoDB written as Flask-PyMongo is: it imports GridFS and pymongo's
URI parser and validators at import, its wrappers subclass pymongo's own client, database and
collection classes, and `init_app` builds the client from the application's MONGO_URI."""
from flask import abort
from gridfs import GridFS, NoFile
from pymongo import collection, database, mongo_client, uri_parser
from pymongo.common import validate_string


class MongoClient(mongo_client.MongoClient):
    def __getitem__(self, name):
        found = super().__getitem__(name)
        return Database(self, name) if isinstance(found, database.Database) else found


class Database(database.Database):
    def __getattr__(self, name):
        found = super().__getattr__(name)
        return Collection(self, name) if isinstance(found, collection.Collection) else found

    def __getitem__(self, name):
        found = super().__getitem__(name)
        return Collection(self, name) if isinstance(found, collection.Collection) else found


class Collection(collection.Collection):
    def find_one_or_404(self, *args, **kwargs):
        found = self.find_one(*args, **kwargs)
        if found is None:
            abort(404)
        return found


class PyMongo:
    def __init__(self, app=None):
        self.cx = None
        self.db = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app, uri=None):
        uri = validate_string("MONGO_URI", uri or app.config["MONGO_URI"])
        database_name = uri_parser.parse_uri(uri)["database"]
        self.cx = MongoClient(uri, connect=False)
        if database_name:
            self.db = self.cx[database_name]

    def save_file(self, filename, data, base="fs", **metadata):
        return GridFS(self.db, base).put(data, filename=filename, **metadata)

    def open_file(self, filename, base="fs"):
        try:
            return GridFS(self.db, base).get_last_version(filename)
        except NoFile:
            abort(404)
