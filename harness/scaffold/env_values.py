"""A test value for each environment variable a legacy module reads, and how it is read.

The value has to survive what the module does with it (a port goes through `int()`, a URL is
parsed) and must never point anywhere real. A read with a literal default gets that default, so a
test runs the configuration production runs when the variable is unset.
"""

from __future__ import annotations

from harness.analysis.model import EnvRead, EnvUse

# Well-known default ports, matched against the variable name.
_PORTS = (
    ("KAFKA", "9092"),
    ("BROKER", "9092"),
    ("MONGO", "27017"),
    ("REDIS", "6379"),
    ("POSTGRES", "5432"),
    ("PG", "5432"),
    ("MYSQL", "3306"),
    ("RABBIT", "5672"),
    ("AMQP", "5672"),
    ("REGISTRY", "8081"),
    ("ELASTIC", "9200"),
)
# URL shapes by what the name says the URL points at; {host} is an unresolvable name.
_URLS = (
    ("MONGO", "mongodb://{host}:27017"),
    ("REDIS", "redis://{host}:6379/0"),
    ("AMQP", "amqp://guest:guest@{host}:5672/"),
    ("RABBIT", "amqp://guest:guest@{host}:5672/"),
    ("BROKER", "amqp://guest:guest@{host}:5672/"),
    ("POSTGRES", "postgresql://test:test@{host}:5432/test"),
    ("DATABASE", "postgresql://test:test@{host}:5432/test"),
    ("DSN", "postgresql://test:test@{host}:5432/test"),
    ("MYSQL", "mysql://test:test@{host}:3306/test"),
    ("REGISTRY", "http://{host}:8081"),
)
_HOST_SUFFIXES = (
    "_IP",
    "_HOST",
    "_HOSTNAME",
    "_ADDR",
    "_ADDRESS",
    "_SERVER",
    "_URL",
    "_URI",
    "_DSN",
)


def plausible_value(read: EnvRead) -> str:
    """A value that survives the module's use of the variable and reaches nothing real.

    Hosts end in `.invalid`, a name reserved never to resolve (RFC 2606): loopback could reach a
    developer's own broker or database. A read with a literal default gets that default.
    """
    if read.default is not None:
        return read.default
    name = read.name.upper()
    if read.use is EnvUse.PORT or name.endswith("_PORT"):
        return next((port for key, port in _PORTS if key in name), "8080")
    if read.use is EnvUse.HOST:
        return _unresolvable_host(name)
    if read.use is EnvUse.URL:
        shape = next((url for key, url in _URLS if key in name), "http://{host}:8080")
        return shape.format(host=_unresolvable_host(name))
    if read.use is EnvUse.INT:
        return "1"
    if read.use is EnvUse.FLOAT:
        return "1.0"
    if read.use is EnvUse.BOOL:
        return "false"
    return "test-" + read.name.lower().replace("_", "-")


def _unresolvable_host(name: str) -> str:
    """`KAFKA_IP` -> `kafka.invalid`, `SCHEMA_REGISTRY_URL` -> `schema-registry.invalid`."""
    for suffix in _HOST_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name.lower().replace("_", "-") + ".invalid"


def describe_use(read: EnvRead) -> str:
    """`required, used as a port` / `default '8090', passed to int()`."""
    if read.required:
        need = "required"
    elif read.default is not None:
        need = f"default {read.default!r}"
    elif read.none_breaks:
        need = "no default, and None breaks its use"
    else:
        need = "optional"
    use = {
        EnvUse.TEXT: "used as text",
        EnvUse.INT: "passed to int()",
        EnvUse.FLOAT: "passed to float()",
        EnvUse.BOOL: "read as a flag",
        EnvUse.URL: "used as a URL",
        EnvUse.HOST: "used as a host",
        EnvUse.PORT: "used as a port",
    }[read.use]
    return f"{need}, {use}"
