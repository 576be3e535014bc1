def test_the_services_own_env_file_configures_the_cache(legacy):
    cachesvc = legacy.load("cachesvc")

    assert (cachesvc.CACHE_TYPE, cachesvc.CACHE_TIMEOUT) == ("SimpleCache", 300)
    assert "CACHE_TYPE" not in legacy.env("cachesvc")  # not the harness's: the .env's


def test_a_quote_is_cached_and_published_with_the_configured_ttl(legacy, kafka):
    cachesvc = legacy.load("cachesvc")

    response = cachesvc.app.test_client().put("/quote/ACME/12.5")

    assert response.json == {"symbol": "ACME", "price": 12.5, "ttl": 300}
    assert cachesvc.cache == {"ACME": 12.5}
    assert kafka.values("quotes") == ["ACME=12.5"]
