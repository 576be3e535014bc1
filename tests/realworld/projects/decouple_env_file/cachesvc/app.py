"""A quote API whose settings come from python-decouple: its .env names the cache backend, and
the broker's address comes from the deployment's environment."""
from decouple import config
from flask import Flask, jsonify
from kafka import KafkaProducer

BACKENDS = {"SimpleCache": dict, "NullCache": lambda: None}

CACHE_TYPE = config("CACHE_TYPE")
CACHE_TIMEOUT = config("CACHE_DEFAULT_TIMEOUT", cast=int)
cache = BACKENDS[CACHE_TYPE]()
producer = KafkaProducer(bootstrap_servers=config("KAFKA_SERVER"))
app = Flask(__name__)


@app.route("/quote/<symbol>/<float:price>", methods=["PUT"])
def put_quote(symbol, price):
    cache[symbol] = price
    producer.send("quotes", f"{symbol}={price}".encode())
    return jsonify(symbol=symbol, price=price, ttl=CACHE_TIMEOUT)
