from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def init_app(app):
    db.init_app(app)
    app.db = db
    with app.app_context():
        from registry import models  # noqa: F401 - the tables create_all makes

        db.create_all()
