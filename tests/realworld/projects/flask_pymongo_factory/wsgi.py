"""The WSGI entry point: the application is built by its factory when the module is imported."""
from app import create_app

app = create_app()
