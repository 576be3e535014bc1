def test_entries_add_up_in_the_accounts_currency(legacy, mongo):
    client = legacy.load("ledger").app.test_client()

    client.post("/accounts/ann/entries", json={"cents": 1250})
    answer = client.post("/accounts/ann/entries", json={"cents": -250})

    assert answer.status_code == 201
    assert answer.get_json() == {"account": "ann", "balance": "10.00 EUR"}
    assert len(mongo.documents("ledger", "entries")) == 2


def test_each_test_starts_with_an_empty_ledger(legacy):
    client = legacy.load("ledger").app.test_client()

    assert client.get("/accounts/ann").get_json() == {"account": "ann", "balance": "0.00 EUR"}


def test_the_report_says_where_its_own_package_was_found(legacy):
    legacy.load("ledger")

    assert "ledger: the project's own src/, put on the path for the import" in legacy.report
