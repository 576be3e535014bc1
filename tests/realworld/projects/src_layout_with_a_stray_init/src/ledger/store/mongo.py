import os

from pymongo import MongoClient

from ledger.settings import DB_NAME

entries = MongoClient(os.environ["LEDGER_MONGO_URL"])[DB_NAME]["entries"]


def add(account, cents):
    entries.insert_one({"account": account, "cents": cents})


def balance(account):
    return sum(e["cents"] for e in entries.find({"account": account}))
