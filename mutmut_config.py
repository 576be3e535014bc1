"""mutmut 2.5.1 configuration: skip noise mutants, declare the equivalent ones.

mutmut imports this file from the directory it runs in and calls `pre_mutation(context)` once
per mutant, in a worker process (so `init()` state would not be seen there: the rules compute
everything from the context). The rules live in `harness.mutation.filters`, each a small named
function with its own test; `harness mutants` reports how many mutants each one skipped, and
the share of each service's mutants the filters skipped, which must stay at most a quarter.

After editing a rule, delete `.mutmut-cache`: mutmut does not notice a changed hook and would
reuse the old verdicts (`harness mutants` always starts without one).
"""

from harness.mutation.filters import RULES, Equivalent, skip_noise

# Surviving mutants that cannot change behaviour, each with the reason. They stay in the
# counts (they are not skipped); the report shows them with their diff and this reason.
_FLASK_NAME = "Flask's import name only locates templates and static files; the service has neither."
_PROJECTION = (
    "the route builds each entry from identifier, base, timestamp and position only: which other "
    "fields MongoDB also returns (_id, or every field) cannot change the answer."
)
_TOTALS = (
    "every result's hours and km are already rounded to 3 decimals, so their sum has 3 decimals "
    "up to float noise far below 1e-4: rounding it to 4 decimals gives the same float."
)

EQUIVALENT_MUTANTS = (
    Equivalent(
        "current/current.py",
        "continue",
        "break",
        "dead code: DeserializingConsumer.poll() raises ConsumeError for an error event instead "
        "of returning it (the real client does; the contract tests hold the fake to it), so the "
        "`if msg.error():` branch never runs and its `continue` cannot be reached.",
        previous='print(f"Consumer error: {msg.error()}")',
    ),
    Equivalent(
        "current/current.py",
        'app = Flask("c40 current api")',
        'app = Flask("XXc40 current apiXX")',
        _FLASK_NAME,
    ),
    Equivalent(
        "history/historyAPI.py",
        'app = Flask("c40 history api")',
        'app = Flask("XXc40 history apiXX")',
        _FLASK_NAME,
    ),
    Equivalent(
        "usage/usage.py",
        'app = Flask("c40 usage api")',
        'app = Flask("XXc40 usage apiXX")',
        _FLASK_NAME,
    ),
    Equivalent(
        "history/historyAPI.py",
        "today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)",
        "today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=1)",
        "the day starts at int(today.timestamp() * 1000): one microsecond past midnight "
        "truncates to the same millisecond, and the date printed is the same day.",
    ),
    Equivalent(
        "history/historyAPI.py",
        'projection = {"_id": 0, "identifier": 1, "base": 1, "timestamp": 1, "position": 1}',
        'projection = {"_id": 1, "identifier": 1, "base": 1, "timestamp": 1, "position": 1}',
        _PROJECTION,
    ),
    Equivalent(
        "history/historyAPI.py",
        'projection = {"_id": 0, "identifier": 1, "base": 1, "timestamp": 1, "position": 1}',
        "projection = None",
        _PROJECTION,
    ),
    Equivalent(
        "usage/usage.py",
        "if err is not None:",
        "if err is  None:",
        "delivery_report only prints: the mutant prints for delivered records instead of failed "
        "ones, a change of log output, which no test should pin.",
    ),
    Equivalent(
        "usage/usage.py",
        'for document in state_collection.find({}, {"_id": 0}):',
        'for document in state_collection.find({}, {"XX_idXX": 0}):',
        "load_state reads only identifier and event from each document: returning _id as well "
        "(the mutant excludes a field that does not exist instead) changes nothing it reads.",
    ),
    Equivalent(
        "usage/usage.py",
        '"total_hours": round(sum(r["hours"] for r in results), 3),',
        '"total_hours": round(sum(r["hours"] for r in results), 4),',
        _TOTALS,
    ),
    Equivalent(
        "usage/usage.py",
        '"total_km": round(sum(r["km"] for r in results), 3),',
        '"total_km": round(sum(r["km"] for r in results), 4),',
        _TOTALS,
    ),
)


def pre_mutation(context):
    skip_noise(context, RULES)
