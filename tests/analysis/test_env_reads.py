"""Environment reads: required or defaulted, where None breaks, and what kind of value is wanted."""

from __future__ import annotations

import textwrap

from harness.analysis import EnvUse, analyze_source


def reads_of(source: str) -> dict:
    facts = analyze_source(textwrap.dedent(source), "svc.py", "svc")
    return {read.name: read for read in facts.env_reads}


def test_subscript_is_required_and_get_with_default_is_not():
    reads = reads_of(
        """\
        import os
        KAFKA_IP = os.environ["KAFKA_IP"]
        TOPIC = os.environ.get("CURRENT_TOPIC", "current")
        GROUP = os.getenv("GROUP_ID", "g1")
        os.environ.setdefault("LOG_LEVEL", "INFO")
        """
    )
    assert reads["KAFKA_IP"].required and reads["KAFKA_IP"].default is None
    assert (reads["KAFKA_IP"].line, reads["KAFKA_IP"].col) == (2, 12)
    assert not reads["CURRENT_TOPIC"].required and reads["CURRENT_TOPIC"].default == "current"
    assert reads["GROUP_ID"].default == "g1"
    assert reads["LOG_LEVEL"].default == "INFO"
    assert all(read.at_import_time for read in reads.values())


def test_imported_aliases_of_environ_and_getenv_are_followed():
    reads = reads_of(
        """\
        from os import environ, getenv
        import os as operating_system
        A = environ["A"]
        B = getenv("B")
        C = operating_system.environ.get("C")
        """
    )
    assert set(reads) == {"A", "B", "C"}


def test_none_breaks_when_a_missing_value_is_concatenated_converted_or_called():
    reads = reads_of(
        """\
        import os
        HOST = os.getenv("KAFKA_IP")
        PORT = os.getenv("KAFKA_PORT")
        SERVERS = HOST + ":" + PORT
        RETRIES = int(os.getenv("RETRIES"))
        NAMES = os.getenv("NAMES").split(",")
        OPTIONAL = os.getenv("OPTIONAL")
        MESSAGE = f"optional is {OPTIONAL}"
        FALLBACK = os.getenv("FALLBACK") or "x"
        """
    )
    breaking = {name for name, read in reads.items() if read.none_breaks}
    assert breaking == {"KAFKA_IP", "KAFKA_PORT", "RETRIES", "NAMES"}
    assert reads["FALLBACK"].default == "x"


def test_use_comes_from_conversions_then_from_the_name():
    reads = reads_of(
        """\
        import os
        TIMEOUT = float(os.getenv("TIMEOUT", "1.5"))
        WORKERS = int(os.environ["WORKERS"])
        DEBUG = os.getenv("DEBUG", "false").lower() == "true"
        KAFKA_PORT = os.environ["KAFKA_PORT"]
        ARCHIVE_URL = os.environ["ARCHIVE_SERVICE_URL"]
        MONGO = os.getenv("MONGO_CONN", "mongodb://localhost:27017")
        MONGO_IP = os.environ["MONGO_IP"]
        TOPIC = os.environ["TOPIC"]
        """
    )
    uses = {name: read.use for name, read in reads.items()}
    assert uses == {
        "TIMEOUT": EnvUse.FLOAT,
        "WORKERS": EnvUse.INT,
        "DEBUG": EnvUse.BOOL,
        "KAFKA_PORT": EnvUse.PORT,
        "ARCHIVE_SERVICE_URL": EnvUse.URL,
        "MONGO_CONN": EnvUse.URL,
        "MONGO_IP": EnvUse.HOST,
        "TOPIC": EnvUse.TEXT,
    }


def test_reads_inside_functions_are_not_import_time():
    reads = reads_of(
        """\
        import os
        def handler():
            return os.environ["LATE"]
        """
    )
    assert reads["LATE"].at_import_time is False


def test_reads_through_a_helper_are_resolved_at_literal_call_sites_and_noted():
    source = """\
        import os
        def env(name, default=None):
            return os.getenv(name, default)
        def must(name):
            return os.environ[name]
        HOST = env("KAFKA_IP", "localhost")
        TOPIC = must("TOPIC")
        """
    facts = analyze_source(textwrap.dedent(source), "svc.py", "svc")
    reads = {read.name: read for read in facts.env_reads}
    assert reads["KAFKA_IP"].default == "localhost" and reads["KAFKA_IP"].line == 6
    assert reads["TOPIC"].required and reads["TOPIC"].line == 7
    assert [u.line for u in facts.unknowable] == [3, 5]
    assert "env()" in facts.unknowable[0].message


def test_a_computed_name_outside_a_helper_is_unknowable():
    facts = analyze_source(
        'import os\nPREFIX = "SVC_"\nX = os.environ[PREFIX + "X"]\n', "svc.py", "svc"
    )
    assert facts.env_reads == ()
    assert facts.unknowable[0].line == 3


def test_a_value_tested_before_use_does_not_break_on_none():
    reads = reads_of(
        """\
        import os
        TERM = os.environ.get("TERM")
        IS_SCREEN = TERM and TERM.startswith("screen")
        HOME = os.getenv("HOME")
        if HOME is not None:
            CONFIG = HOME + "/.config"
        SHELL = os.getenv("SHELL")
        NAME = SHELL.split("/")[-1] if SHELL else "sh"
        USER = os.getenv("USER")
        GREETING = "hi " + USER
        """
    )
    assert {name for name, read in reads.items() if read.none_breaks} == {"USER"}
