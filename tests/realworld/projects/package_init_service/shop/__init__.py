"""A shop API whose package __init__ is the service: client, app, then the routes module."""
import os

from flask import Flask
from pymongo import MongoClient

client = MongoClient(os.environ["MONGO_URL"])
db = client["shop"]
app = Flask(__name__)

from shop import routes  # noqa: E402,F401  (registers the routes on app)
