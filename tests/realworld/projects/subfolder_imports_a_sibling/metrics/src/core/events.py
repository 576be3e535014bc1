from flask import Blueprint, jsonify, request

from producer import producer
from schema import problems_of

events_bp = Blueprint("events", __name__)


@events_bp.route("/events", methods=["POST"])
def post_event():
    event = request.get_json(silent=True) or {}
    problems = problems_of(event)
    if problems:
        return jsonify(errors=problems), 400
    producer.send("film-events", event)
    return jsonify(status="accepted"), 202
