"""Import-time side effects: clients, threads, filesystem, logging, signals, loops."""

from __future__ import annotations

import textwrap

from harness.analysis import EffectKind, analyze_source


def effects_of(source: str, **kwargs):
    facts = analyze_source(textwrap.dedent(source), "svc.py", "svc", **kwargs)
    return [(e.kind, e.target, e.line, e.assigned_to, e.detail) for e in facts.effects]


def test_clients_built_at_module_level_are_reported_with_the_globals_they_bind():
    effects = effects_of(
        """\
        from pymongo import MongoClient
        from confluent_kafka import SerializingProducer
        import requests
        mongo_client = MongoClient("mongodb://x")
        db = mongo_client["usage"]
        data_collection = db["data"]
        kafka_producer = SerializingProducer({})
        session = requests.Session()
        def later():
            MongoClient("y")
        """
    )
    assert effects == [
        (EffectKind.CLIENT, "pymongo.MongoClient", 4, ("mongo_client",), ""),
        (EffectKind.CLIENT, "pymongo.MongoClient", 5, ("db",), "reached from mongo_client"),
        (EffectKind.CLIENT, "pymongo.MongoClient", 6, ("data_collection",), "reached from db"),
        (EffectKind.CLIENT, "confluent_kafka.SerializingProducer", 7, ("kafka_producer",), ""),
        (EffectKind.CLIENT, "requests.Session", 8, ("session",), ""),
    ]


def test_other_third_party_calls_and_client_methods_are_calls_but_local_code_is_not():
    effects = effects_of(
        """\
        from flask import Flask
        from kafka import KafkaConsumer
        from config import load
        settings = load()
        app = Flask(__name__)
        consumer = KafkaConsumer("topic")
        consumer.subscribe(["topic"])
        """,
        local_packages={"config"},
    )
    assert [(kind, target, line) for kind, target, line, _, _ in effects] == [
        (EffectKind.CALL, "flask.Flask", 5),
        (EffectKind.CLIENT, "kafka.KafkaConsumer", 6),
        (EffectKind.CALL, "consumer.subscribe", 7),
    ]


def test_threads_in_every_spelling_with_their_target_and_start():
    effects = effects_of(
        """\
        import threading
        import multiprocessing
        from threading import Thread
        def consume_data():
            pass
        consumer_thread = threading.Thread(target=consume_data)
        consumer_thread.start()
        Thread(target=consume_data, daemon=True).start()
        timer = threading.Timer(5.0, consume_data)
        class Worker(threading.Thread):
            def run(self):
                pass
        Worker().start()
        process = multiprocessing.Process(target=consume_data)
        """
    )
    threads = [(target, line, detail) for kind, target, line, _, detail in effects
               if kind is EffectKind.THREAD]
    assert threads == [
        ("threading.Thread", 6, "target=consume_data; started at line 7"),
        ("threading.Thread", 8, "target=consume_data; started at line 8"),
        ("threading.Timer", 9, "target=consume_data; not started at import"),
        ("Worker", 13, "target=Worker.run; started at line 13"),
        ("multiprocessing.Process", 14, "target=consume_data; not started at import"),
    ]


def test_filesystem_logging_signal_and_endless_loop_at_import():
    effects = effects_of(
        """\
        import logging
        import os
        import signal
        from pathlib import Path
        logging.basicConfig(level=logging.INFO)
        os.makedirs("/tmp/out", exist_ok=True)
        Path("/tmp/x").mkdir()
        signal.signal(signal.SIGTERM, lambda *a: None)
        while True:
            pass
        """
    )
    assert [(kind, line) for kind, _, line, _, _ in effects] == [
        (EffectKind.LOGGING, 5),
        (EffectKind.FILESYSTEM, 6),
        (EffectKind.FILESYSTEM, 7),
        (EffectKind.SIGNAL, 8),
        (EffectKind.LOOP, 9),
    ]


def test_an_endless_loop_polling_a_module_level_kafka_consumer_is_told_apart():
    effects = effects_of(
        """\
        from confluent_kafka import Consumer
        consumer = Consumer({"group.id": "g"})
        while True:
            msg = consumer.poll(1.0)
        while True:
            other.poll(1.0)
        """
    )
    loops = [(line, detail) for kind, _, line, _, detail in effects if kind is EffectKind.LOOP]
    assert loops == [
        (
            3,
            "polls the Kafka consumer built as confluent_kafka.Consumer: the harness plugin "
            "stops it once its fake consumers are drained",
        ),
        (5, "the import never returns"),
    ]


def test_nothing_under_the_main_guard_runs_at_import():
    effects = effects_of(
        """\
        import threading
        from flask import Flask
        app = Flask(__name__)
        if __name__ == "__main__":
            threading.Thread(target=print).start()
            app.run()
        """
    )
    assert [target for _, target, _, _, _ in effects] == ["flask.Flask"]


def test_definitions_are_top_level_names_and_globals_declared_in_functions():
    facts = analyze_source(
        textwrap.dedent(
            """\
            import os
            from x import y as z
            A, (B, *C) = 1, (2, 3)
            def f():
                global LATE
                LATE = 1
                inner = 2
            class K:
                attribute = 1
            for item in []:
                pass
            with open("f") as handle:
                pass
            """
        ),
        "svc.py",
        "svc",
    )
    assert facts.definitions == {"os", "z", "A", "B", "C", "f", "LATE", "K", "item", "handle"}


def test_unknowable_module_getattr_exec_and_globals_writes():
    facts = analyze_source(
        'globals()["x"] = 1\nexec("y = 2")\ndef __getattr__(name):\n    return name\n',
        "svc.py",
        "svc",
    )
    assert [u.line for u in facts.unknowable] == [1, 2, 3]


def test_columns_are_character_columns_after_non_ascii_text():
    facts = analyze_source('import os\nX = "é"; Y = os.environ["Y"]\n', "svc.py", "svc")
    assert facts.env_reads[0].col == 14


def test_a_module_replacing_itself_in_sys_modules_has_unknowable_attributes():
    facts = analyze_source(
        "import sys\nfrom lazy import recreate_module\n"
        "old_module, new_module = recreate_module(__name__, by_module={})\n"
        "sys.modules[__name__] = new_module\n",
        "pkg/__init__.py",
        "pkg",
    )
    assert [u.line for u in facts.unknowable] == [3, 4]
    assert all("replaces itself" in u.message for u in facts.unknowable)


def test_a_client_an_integration_declares_is_one_whatever_its_name_and_its_ddl_connects():
    # `SQLAlchemy` says nothing by its name; the sql integration declares it (one source of
    # truth: harness.integrations.sql), and `create_all()` reaches the database at once.
    effects = effects_of(
        """\
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)
        class Order(db.Model):
            id = db.Column(db.Integer, primary_key=True)
        db.create_all()
        db.init_app(app)
        """
    )
    assert effects == [
        (EffectKind.CALL, "flask.Flask", 3, ("app",), ""),
        (EffectKind.CLIENT, "flask_sqlalchemy.SQLAlchemy", 4, ("db",), ""),
        (EffectKind.NETWORK, "db.create_all", 7, (),
         "on the client built as flask_sqlalchemy.SQLAlchemy"),
        (EffectKind.CALL, "db.init_app", 8, (), "on the client built as flask_sqlalchemy.SQLAlchemy"),
    ]


def test_a_client_imported_from_a_project_module_is_followed_when_the_importer_says_so():
    source = """\
        from ext import app, db
        session = db.session
        with app.app_context():
            db.drop_all()
            db.create_all()
        def later():
            db.create_all()
        """
    assert effects_of(source, local_packages={"ext"}) == []

    facts = analyze_source(
        textwrap.dedent(source), "create.py", "create", local_packages={"ext"},
        imported_clients={"ext.db": "flask_sqlalchemy.SQLAlchemy"},
    )

    assert [(e.kind, e.target, e.line, e.detail) for e in facts.effects] == [
        (EffectKind.CLIENT, "flask_sqlalchemy.SQLAlchemy", 2, "reached from db"),
        (EffectKind.NETWORK, "db.drop_all", 4,
         "on the client built as flask_sqlalchemy.SQLAlchemy, imported from ext"),
        (EffectKind.NETWORK, "db.create_all", 5,
         "on the client built as flask_sqlalchemy.SQLAlchemy, imported from ext"),
    ]
    # What the module holds once imported, for the modules importing it in turn.
    assert dict(facts.clients) == {
        "db": "flask_sqlalchemy.SQLAlchemy", "session": "flask_sqlalchemy.SQLAlchemy"
    }


def test_ddl_given_a_client_as_its_argument_connects_at_import():
    # FastAPI-style: the engine comes from database.py, the tables from the declarative base.
    facts = analyze_source(
        textwrap.dedent(
            """\
            from database import engine
            import models
            from models import Base
            models.Base.metadata.create_all(bind=engine)
            Base.metadata.drop_all(engine)
            Base.metadata.sorted_tables.index(engine)
            """
        ),
        "main.py", "main", local_packages={"database", "models"},
        imported_clients={"database.engine": "sqlalchemy.create_engine"},
    )

    assert [(e.kind, e.target, e.line, e.detail) for e in facts.effects] == [
        (EffectKind.NETWORK, "models.Base.metadata.create_all", 4,
         "with the client built as sqlalchemy.create_engine, imported from database"),
        (EffectKind.NETWORK, "Base.metadata.drop_all", 5,
         "with the client built as sqlalchemy.create_engine, imported from database"),
    ]
