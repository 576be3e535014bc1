"""Finding a mutant's function and zone in a legacy module's source."""

from __future__ import annotations

import textwrap

from harness.mutation.zones import CLIENT_SETTINGS, MAIN_GUARD, analyse, changed_region

SOURCE = textwrap.dedent(
    """\
    import os
    from pymongo import MongoClient

    MONGO_IP = os.environ["MONGO_IP"]
    MONGO_USER = os.environ.get("MONGO_USER", "")
    if MONGO_USER:
        uri = f"mongodb://{MONGO_USER}@{MONGO_IP}/"
    else:
        uri = f"mongodb://{MONGO_IP}/"
    client = MongoClient(uri)
    PORT = int(os.environ.get("PORT", "8080"))


    class Store:
        def save(self, doc):
            return client.db.docs.insert_one(doc)


    @decorated
    def handle(doc):
        if doc:
            return Store().save(doc)


    if __name__ == "__main__":
        run(port=PORT)
    """
)


def test_changed_region_of_a_replacement_is_the_replaced_text() -> None:
    original = 'x = f("abc")\n'
    mutated = 'x = f("XXabcXX")\n'

    assert changed_region(original, mutated) == ((1, 7), (1, 10))


def test_changed_region_of_a_removed_line_spans_it() -> None:
    original = "@route\ndef f():\n    pass\n"
    mutated = "def f():\n    pass\n"

    (start, end) = changed_region(original, mutated)

    assert start == (1, 0)
    assert end == (2, 0)


def test_scope_is_the_innermost_function_decorators_included() -> None:
    source_map = analyse(SOURCE)
    lines = SOURCE.split("\n")

    assert source_map.scope_of(lines.index("    def save(self, doc):") + 2) == "save"
    assert source_map.scope_of(lines.index("@decorated") + 1) == "handle"
    assert source_map.scope_of(1) == "module level"


def test_a_settings_chain_feeding_a_client_joins_the_client_settings_zone() -> None:
    source_map = analyse(SOURCE)
    lines = SOURCE.split("\n")

    def zone_of_line(code: str) -> str | None:
        number = lines.index(code) + 1
        return source_map.zone_of((number, 0), (number, len(code)))

    # uri is only handed to MongoClient; MONGO_USER only chooses between two uris.
    assert zone_of_line('    uri = f"mongodb://{MONGO_IP}/"') == CLIENT_SETTINGS
    assert (
        zone_of_line('MONGO_USER = os.environ.get("MONGO_USER", "")') == CLIENT_SETTINGS
    )
    assert zone_of_line("client = MongoClient(uri)") is None
    assert zone_of_line('PORT = int(os.environ.get("PORT", "8080"))') == MAIN_GUARD


def test_the_name_of_a_required_variable_is_never_noise() -> None:
    source_map = analyse(SOURCE)
    line = SOURCE.split("\n").index('MONGO_IP = os.environ["MONGO_IP"]') + 1
    name_start = 'MONGO_IP = os.environ["'.__len__()

    assert (
        source_map.zone_of((line, name_start), (line, name_start + len("MONGO_IP")))
        is None
    )
    assert source_map.zone_of((line, 0), (line, 0)) == CLIENT_SETTINGS


def test_function_lines_are_body_lines_only() -> None:
    source_map = analyse(SOURCE)
    lines = SOURCE.split("\n")

    assert lines.index("    if doc:") + 1 in source_map.function_lines
    assert lines.index("def handle(doc):") + 1 not in source_map.function_lines
    assert lines.index("@decorated") + 1 not in source_map.function_lines
    assert lines.index("client = MongoClient(uri)") + 1 not in source_map.function_lines


def test_unparsable_source_has_no_zones() -> None:
    source_map = analyse("def broken(:\n")

    assert source_map.zone_of((1, 0), (1, 1)) is None
    assert source_map.scope_of(1) == "module level"
