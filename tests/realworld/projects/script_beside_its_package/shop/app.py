# Started as `python app.py` from shop/: the import below finds the package app/ beside this
# file (a package wins over a module of the same name), never this file.
from app import create_app

application = create_app()

if __name__ == "__main__":
    application.run(port=8000)
