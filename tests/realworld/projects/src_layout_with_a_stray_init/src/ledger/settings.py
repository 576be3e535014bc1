import os

CURRENCY = os.environ.get("LEDGER_CURRENCY", "EUR")
DB_NAME = os.environ.get("LEDGER_DB", "ledger")
