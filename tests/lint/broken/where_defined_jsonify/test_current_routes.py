"""Patches flask.jsonify, but current.py did `from flask import jsonify`: current.jsonify is real."""

from unittest.mock import patch

import current


def test_health_builds_its_response_with_jsonify():
    with patch("flask.jsonify") as jsonify:  # expect: LH102
        current.health()
    jsonify.assert_called_once()
