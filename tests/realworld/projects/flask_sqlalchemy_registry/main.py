"""A gateway's service registry: the app is built at import, its extensions from the settings,
and Flask-SQLAlchemy's `db.create_all()` runs against the PostgreSQL URL the environment names."""

from registry import app

main_app = app.create_app()
