"""A grading API run from worker/ (its container's WORKDIR): reads its weights at import, by a
path relative to that directory."""
import json
import os

from flask import Flask, jsonify
from redis import Redis

with open(os.path.join("app", "weights.json")) as weights:
    WEIGHTS = json.load(weights)
cache = Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]))
app = Flask(__name__)


@app.route("/score/<subject>/<int:correct>")
def score(subject, correct):
    if subject not in WEIGHTS:
        return jsonify(error=f"unknown subject {subject}"), 404
    value = round(correct * WEIGHTS[subject], 2)
    cache.hset("scores", subject, value)
    return jsonify(subject=subject, score=value)
