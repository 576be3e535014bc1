"""Network client libraries the harness knows but has no fake for: stubbed, and said so.

A service that imports one of these would reach a server the harness cannot stand in for
(a PostgreSQL database, a RabbitMQ broker...). Kept real, its client would try to connect at
import or at first use; so it gets the `stub` level (MagicMock modules) at every level, and the
import report says which package it was and how to do better::

    psycopg2: a PostgreSQL client with no integration: stubbed (MagicMock modules). To test
    against real behaviour, register an integration (entry point legacy_harness.integrations,
    README "Integrations"); to keep the real client, keep_real = ["psycopg2"]

Only packages that are evidently network clients are listed (a library whose job is to talk to
one kind of server); anything else stays real. `keep_real` in a service's table wins, and so
does an integration registered for the package.
"""

from __future__ import annotations

from harness.integrations.base import Integration

# package -> the system it talks to. Each one's only job is to be a client of that server.
KNOWN_CLIENTS: dict[str, str] = {
    "psycopg2": "PostgreSQL",
    "psycopg": "PostgreSQL",
    "asyncpg": "PostgreSQL",
    "pg8000": "PostgreSQL",
    "pymysql": "MySQL",
    "MySQLdb": "MySQL",
    "mysql": "MySQL (mysql-connector)",
    "cx_Oracle": "Oracle",
    "oracledb": "Oracle",
    "pyodbc": "ODBC database",
    "pymssql": "SQL Server",
    "pika": "RabbitMQ",
    "aio_pika": "RabbitMQ",
    "paho": "MQTT",
    "aiomqtt": "MQTT",
    "nats": "NATS",
    "elasticsearch": "Elasticsearch",
    "opensearchpy": "OpenSearch",
    "cassandra": "Cassandra",
    "pymemcache": "Memcached",
    "memcache": "Memcached",
    "influxdb": "InfluxDB",
    "influxdb_client": "InfluxDB",
    "clickhouse_driver": "ClickHouse",
    "neo4j": "Neo4j",
    "couchbase": "Couchbase",
    "aiokafka": "Kafka (aiokafka)",
    "motor": "MongoDB (motor)",
    "hvac": "Vault",
    "consul": "Consul",
    "etcd3": "etcd",
    "stomp": "STOMP broker",
    "ldap3": "LDAP",
    "pysolr": "Solr",
    "twilio": "Twilio API",
    "slack_sdk": "Slack API",
}


# The SQL database drivers (DB-API) among them: SQLAlchemy engines never import them, whatever
# driver their URL names (the `sql` integration redirects the engines to SQLite); a service
# calling one itself (`psycopg2.connect(...)`) gets the stub, and the report says so.
SQL_DRIVERS = frozenset(
    {"psycopg2", "psycopg", "asyncpg", "pg8000", "pymysql", "MySQLdb", "mysql", "cx_Oracle",
     "oracledb", "pyodbc", "pymssql"}
)


def note(package: str) -> str:
    """The report line for a known client stubbed for want of an integration."""
    system = KNOWN_CLIENTS.get(package, "network")
    if package in SQL_DRIVERS:
        return (
            f"{package}: a {system} driver used directly: stubbed (MagicMock modules), so its "
            "connections answer MagicMocks and no query runs. Engines built with SQLAlchemy "
            "(whatever driver their URL names) get SQLite in memory instead (the sql "
            f'integration, fixture sql); to keep the real client, keep_real = ["{package}"]'
        )
    return (
        f"{package}: a {system} client with no integration: stubbed (MagicMock modules). To test "
        "against real behaviour, register an integration (entry point "
        'legacy_harness.integrations, README "Integrations"); to keep the real client, '
        f'keep_real = ["{package}"]'
    )


# One stub-only integration: its packages reach a backend, and no level but `stub` serves them.
INTEGRATION = Integration(
    name="known_clients",
    packages=tuple(KNOWN_CLIENTS),
    description="network clients with no integration: stubbed, with a report line",
)
