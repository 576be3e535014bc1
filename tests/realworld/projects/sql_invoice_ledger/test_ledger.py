import pytest


def test_a_bill_adds_the_vat_of_its_country_and_stays_open(legacy, sql):
    ledger = legacy.load("ledger")

    invoice = ledger.bill("acme", 1000, "DE")

    assert sql.rows("invoices") == [
        {"id": invoice, "customer": "acme", "cents": 1190, "status": "open"}
    ]


def test_a_rate_seeded_by_the_test_is_used_and_an_unknown_one_refused(legacy, sql):
    ledger = legacy.load("ledger")
    assert sql.rows("vat_rates") == [
        {"country": "DE", "percent": 19},
        {"country": "FR", "percent": 20},
    ]
    sql.insert("vat_rates", {"country": "IT", "percent": 22})

    ledger.bill("rossi", 500, "IT")

    assert sql.rows("invoices", customer="rossi")[0]["cents"] == 610
    with pytest.raises(ValueError, match="no VAT rate for ES"):
        ledger.bill("rossi", 500, "ES")


def test_settling_pays_only_that_customers_open_invoices(legacy, sql):
    ledger = legacy.load("ledger")
    sql.insert(
        "invoices",
        {"customer": "acme", "cents": 100, "status": "open"},
        {"customer": "acme", "cents": 200, "status": "paid"},
        {"customer": "bolt", "cents": 300, "status": "open"},
    )
    assert ledger.outstanding("acme") == 100

    assert ledger.settle("acme") == 1

    assert ledger.outstanding("acme") == 0
    assert [row["status"] for row in sql.rows("invoices")] == ["paid", "paid", "open"]


def test_each_test_starts_from_what_the_import_wrote(legacy, sql):
    ledger = legacy.load("ledger")
    assert sql.rows("invoices") == []
    assert [row["country"] for row in sql.rows("vat_rates")] == ["DE", "FR"]
    ledger.bill("acme", 1, "FR")
    sql.execute("DELETE FROM vat_rates WHERE country = ?", ("DE",))


def test_the_report_says_where_the_postgres_url_went(legacy, sql):
    legacy.load("ledger")

    assert "postgresql+psycopg2://ledger:***@db.internal:5432/ledger redirected to SQLite" in legacy.report
    assert sql.redirects[0].dropped == ("pool_size", "max_overflow")
    assert sql.tables() == ["invoices", "vat_rates"]
