"""Each noise rule of `mutmut_config.py`: a mutant in, skipped (with the rule's name) or not out."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest

from harness.mutation.filters import (
    RULES,
    Equivalent,
    MutantSite,
    skip_noise,
    skip_reason,
)

SERVICE = textwrap.dedent(
    """\
    import os
    import sys
    import logging

    from confluent_kafka import DeserializingConsumer
    from flask import Flask, jsonify

    KAFKA_IP = os.environ["KAFKA_IP"]
    KAFKA_GROUP_ID = os.environ.get("KAFKA_GROUP_ID", "current-api")
    RETRY_SECONDS = float(os.environ.get("RETRY_SECONDS", "5"))
    API_PORT = int(os.environ.get("API_PORT", "8090"))
    log = logging.getLogger(__name__)
    sys.path.insert(0, "/opt/lib")
    os.makedirs("/tmp/out", exist_ok=True)

    consumer_conf = {
        "bootstrap.servers": f"{KAFKA_IP}:9092",
        "group.id": KAFKA_GROUP_ID,
        "value.deserializer": None,
    }
    consumer = DeserializingConsumer(consumer_conf)
    app = Flask("service")
    state = {}


    def consume():
        while True:
            msg = consumer.poll(1.0)
            if msg is None:
                time.sleep(RETRY_SECONDS)
                continue
            print(f"got {msg}")
            print(
                f"state has {len(state)} keys"
            )
            log.info("stored %s", msg)
            state[msg.key()] = msg.value()


    @app.route("/item/<key>")
    def item(key):
        if key not in state:
            return jsonify({"error": "item not found", "key": key}), 404
        return jsonify(state[key]), 200, {"Content-Type": "application/json"}


    if __name__ == "__main__":
        app.run(port=API_PORT)
    """
)


def site(old: str, new: str, source: str = SERVICE) -> MutantSite:
    """The mutant that replaces the first `old` with `new` (on the line where `old` starts)."""
    assert old in source, old
    start = source.index(old)
    line_number = source.count("\n", 0, start)  # 0-based, as mutmut gives it
    return MutantSite(
        "svc/service.py",
        line_number,
        source,
        mutated_source=source.replace(old, new, 1),
    )


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ('print(f"got {msg}")', 'print(f"XXgot {msg}XX")', "print"),
        (
            'f"state has {len(state)} keys"',
            'f"XXstate has {len(state)} keysXX"',
            "print",
        ),
        ('log.info("stored %s", msg)', 'log.info("XXstored %sXX", msg)', "logging"),
        (
            'sys.path.insert(0, "/opt/lib")',
            'sys.path.insert(1, "/opt/lib")',
            "sys-path",
        ),
        ("exist_ok=True", "exist_ok=False", "makedirs-exist-ok"),
        (
            '{"Content-Type": "application/json"}',
            '{"Content-Type": "XXapplication/jsonXX"}',
            "content-type",
        ),
    ],
)
def test_line_content_rules_skip_log_and_plumbing_lines(
    old: str, new: str, rule: str
) -> None:
    assert skip_reason(site(old, new)) == rule


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('if __name__ == "__main__":', 'if __name__ != "__main__":'),
        ("app.run(port=API_PORT)", "app.run(port=None)"),
        # API_PORT is only read inside the main guard: its settings line joins the zone.
        ('"API_PORT", "8090"', '"API_PORT", "XX8090XX"'),
    ],
)
def test_the_main_guard_zone_holds_the_block_and_what_only_it_reads(
    old: str, new: str
) -> None:
    assert skip_reason(site(old, new)) == "main-guard"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            '"bootstrap.servers": f"{KAFKA_IP}:9092"',
            '"XXbootstrap.serversXX": f"{KAFKA_IP}:9092"',
        ),
        ('"group.id": KAFKA_GROUP_ID', '"XXgroup.idXX": KAFKA_GROUP_ID'),
        ('"KAFKA_GROUP_ID", "current-api"', '"KAFKA_GROUP_ID", "XXcurrent-apiXX"'),
        ('KAFKA_IP = os.environ["KAFKA_IP"]', "KAFKA_IP = None"),
    ],
)
def test_client_settings_are_noise(old: str, new: str) -> None:
    assert skip_reason(site(old, new)) == "client-settings"


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        (
            '"value.deserializer": None',
            '"XXvalue.deserializerXX": None',
            "a deserializer decides what is read",
        ),
        (
            "consumer = DeserializingConsumer(consumer_conf)",
            "consumer = None",
            "the consumer itself is behaviour",
        ),
        (
            'os.environ["KAFKA_IP"]',
            'os.environ["XXKAFKA_IPXX"]',
            "a missing required variable fails the import",
        ),
        (
            "consumer_conf = {",
            "consumer_conf = None",
            "dropping the whole configuration breaks the consumer",
        ),
    ],
)
def test_client_settings_keep_what_changes_behaviour(
    old: str, new: str, why: str
) -> None:
    assert skip_reason(site(old, new)) is None, why


def test_timing_skips_the_poll_timeout_but_not_the_rest_of_its_line() -> None:
    assert skip_reason(site("consumer.poll(1.0)", "consumer.poll(2.0)")) == "timing"
    assert skip_reason(site("msg = consumer.poll(1.0)", "msg = None")) is None


def test_timing_holds_settings_read_only_as_waiting_times() -> None:
    assert (
        skip_reason(site('"RETRY_SECONDS", "5"', '"RETRY_SECONDS", "XX5XX"'))
        == "timing"
    )


def test_message_text_skips_only_the_prose_not_the_status_or_key() -> None:
    assert (
        skip_reason(site('"item not found"', '"XXitem not foundXX"')) == "message-text"
    )
    assert skip_reason(site("), 404", "), 405")) is None
    assert skip_reason(site('{"error": "item', '{"XXerrorXX": "item')) is None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("while True:", "while False:"),
        ("if msg is None:", "if msg is not None:"),
        ("state[msg.key()] = msg.value()", "state[msg.key()] = None"),
        ("if key not in state:", "if key in state:"),
        ("return jsonify(state[key]), 200", "return jsonify(state[key]), 201"),
    ],
)
def test_business_logic_is_never_skipped(old: str, new: str) -> None:
    assert skip_reason(site(old, new)) is None


def test_zones_follow_the_code_when_lines_move() -> None:
    moved = SERVICE.replace(
        "import logging\n", "import logging\n\n# a comment\n\n\n", 1
    )
    assert (
        skip_reason(
            site('"group.id": KAFKA_GROUP_ID', '"XXgroup.idXX": KAFKA_GROUP_ID', moved)
        )
        == "client-settings"
    )
    assert (
        skip_reason(site("app.run(port=API_PORT)", "app.run(port=None)", moved))
        == "main-guard"
    )
    assert skip_reason(site("while True:", "while False:", moved)) is None


def test_a_site_outside_every_zone_is_judged_without_building_the_mutant() -> None:
    def never() -> str:
        raise AssertionError(
            "the mutant should not be built for a line outside every zone"
        )

    line_number = line_index("while True:")
    assert (
        skip_reason(MutantSite("svc/service.py", line_number, SERVICE, mutate=never))
        is None
    )


def line_index(code: str) -> int:
    """The 0-based number of the line whose stripped text is `code`."""
    return [line.strip() for line in SERVICE.split("\n")].index(code)


def test_skip_noise_reads_mutmuts_zero_based_line_number_and_marks_the_context() -> (
    None
):
    line_number = line_index('print(f"got {msg}")')
    context = SimpleNamespace(
        filename="svc/service.py",
        source=SERVICE,
        mutation_id=SimpleNamespace(line_number=line_number, index=0),
        dict_synonyms=["dict"],
        skip=False,
    )

    assert skip_noise(context, RULES) == "print"
    assert context.skip is True


def test_skip_noise_leaves_business_mutants_to_run() -> None:
    line_number = line_index("while True:")
    context = SimpleNamespace(
        filename="svc/service.py",
        source=SERVICE,
        mutation_id=SimpleNamespace(line_number=line_number, index=0),
        dict_synonyms=["dict"],
        skip=False,
    )

    assert skip_noise(context, RULES) is None
    assert context.skip is False


def test_every_rule_has_a_name_a_kind_and_a_description() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert {rule.pattern for rule in RULES} == {
        "line content",
        "zone",
        "message string",
    }
    assert all(rule.description for rule in RULES)


def test_an_equivalent_mutant_matches_by_file_end_and_stripped_lines() -> None:
    declared = Equivalent(
        "current/current.py",
        'app = Flask("api")',
        'app = Flask("XXapiXX")',
        "name only",
    )

    assert declared.matches(
        "legacy_services/current/current.py",
        '  app = Flask("api")',
        'app = Flask("XXapiXX")  ',
    )
    assert not declared.matches(
        "legacy_services/usage/usage.py", 'app = Flask("api")', 'app = Flask("XXapiXX")'
    )
    assert not declared.matches(
        "legacy_services/current/current.py", 'app = Flask("api")', "app = None"
    )


def test_an_equivalent_mutant_with_a_previous_line_matches_only_after_that_line() -> (
    None
):
    declared = Equivalent(
        "current/current.py",
        "continue",
        "break",
        "dead branch",
        previous="print('error')",
    )

    assert declared.matches(
        "current/current.py", "  continue", "break", "    print('error')"
    )
    assert not declared.matches(
        "current/current.py", "continue", "break", "if msg is None:"
    )
    assert not declared.matches("current/current.py", "continue", "break")
