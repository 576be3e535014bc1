"""A metrics gateway run from src/ (`python app.py`): its blueprints live in core/ and import
their siblings of src/ by bare name, as src/ is on sys.path."""
from flask import Flask

from core.events import events_bp

app = Flask(__name__)
app.register_blueprint(events_bp)
