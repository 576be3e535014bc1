def test_a_balance_is_the_first_column_the_driver_returns(legacy):
    ledger = legacy.load("ledger")
    ledger.conn.cursor.return_value.__enter__.return_value.fetchone.return_value = (42,)

    response = ledger.app.test_client().get("/balance/A1")

    assert response.json == {"account": "A1", "balance": 42}


def test_a_lost_connection_is_503_naming_the_driver_error(legacy):
    ledger = legacy.load("ledger")
    ledger.conn.cursor.side_effect = ledger.psycopg2.OperationalError("server closed the connection")

    response = ledger.app.test_client().get("/balance/A1")

    assert response.status_code == 503
    assert response.json == {"error": "database unavailable: server closed the connection"}


def test_any_other_driver_error_is_500(legacy):
    ledger = legacy.load("ledger")
    ledger.conn.cursor.side_effect = ledger.psycopg2.ProgrammingError("relation does not exist")

    response = ledger.app.test_client().get("/balance/A1")

    assert response.status_code == 500
    assert response.json == {"error": "query failed"}  # caught by the handler, as psycopg2.Error
