"""The Schema Registry's REST API over the in-memory store, as plain data: one definition, two
transports.

`answer(store, method, path, body)` returns `(status, body)`, the JSON the registry answers and
its HTTP status, for a request whose path is relative to the registry's URL (percent-decoded,
no query) and whose body is the parsed JSON (or None). The wire level serves it over HTTP on
loopback (`harness.wire.registry`); at the fake level the legacy `CachedSchemaRegistryClient`
(`confluent_kafka.avro`) gets it in-process instead of its HTTP (`harness.fakes.confluent_avro`).

The subset is what the clients call: register (`POST /subjects/{s}/versions`), look up
(`POST /subjects/{s}`), schema by id (`GET /schemas/ids/{id}`, `.../schema`), subjects,
versions, a version (`latest` too) and its schema, delete a subject, the compatibility config
(`GET`/`PUT /config`, `/config/{s}`) and a compatibility check (`POST
/compatibility/subjects/{s}/versions/{v}`, always compatible: compatibility is recorded, not
enforced). Answers and error codes as the registry gives them: 40401 subject, 40402 version,
40403 schema not found, 42201 invalid schema, 42202 invalid version, 42203 invalid level; any
other path is a 404 (confluent-kafka asks `/associations/...` first and falls back to the topic
name strategy on 404), a known path with another method a 405.

Written by hand: no library serves a Schema Registry's REST API in-process (confluent's own mock
client, `mock://` URLs, is a client, not the API, and the legacy client cannot use it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from harness.fakes.schema_registry import RegisteredSchema, SchemaRegistry, parse_avro

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class RegistryError(Exception):
    """An error answer of the REST API."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


Handler = Callable[..., Any]


def answer(store: SchemaRegistry, method: str, path: str, body: Any) -> tuple[int, Any]:
    """The registry's answer to `method path` with JSON `body`: (HTTP status, JSON body)."""
    allowed = False
    for methods, pattern, handler in _ROUTES:
        match = pattern.fullmatch(path.rstrip("/") or "/")
        if match is None:
            continue
        allowed = True
        if method.upper() not in methods:
            continue
        try:
            return 200, handler(store, method.upper(), body, **match.groupdict())
        except RegistryError as error:
            return error.status, _error(error.code, error.message)
    if allowed:
        return 405, _error(405, "HTTP 405 Method Not Allowed")
    return 404, _error(404, "HTTP 404 Not Found")


def _error(code: int, message: str) -> dict[str, Any]:
    return {"error_code": code, "message": message}


def _subjects(store: SchemaRegistry, method: str, body: Any) -> Any:
    return store.subjects()


def _register(store: SchemaRegistry, method: str, body: Any, subject: str) -> Any:
    schema_str, schema_type = _schema_of(body)
    return {"id": store.register(subject, schema_str, schema_type).schema_id}


def _lookup(store: SchemaRegistry, method: str, body: Any, subject: str) -> Any:
    schema_str, schema_type = _schema_of(body)
    if subject not in store.subjects():
        raise RegistryError(404, 40401, f"Subject '{subject}' not found.")
    found = store.lookup(subject, schema_str, schema_type)
    if found is None:
        raise RegistryError(404, 40403, "Schema not found")
    return _registered(found)


def _delete_subject(store: SchemaRegistry, method: str, body: Any, subject: str) -> Any:
    deleted = store.delete_subject(subject)
    if not deleted:
        raise RegistryError(404, 40401, f"Subject '{subject}' not found.")
    return deleted


def _versions(store: SchemaRegistry, method: str, body: Any, subject: str) -> Any:
    versions = store.versions(subject)
    if not versions:
        raise RegistryError(404, 40401, f"Subject '{subject}' not found.")
    return versions


def _version(store: SchemaRegistry, method: str, body: Any, subject: str, version: str) -> Any:
    return _registered(_find_version(store, subject, version))


def _version_schema(
    store: SchemaRegistry, method: str, body: Any, subject: str, version: str
) -> Any:
    return _json(_find_version(store, subject, version).schema.schema_str)


def _find_version(store: SchemaRegistry, subject: str, version: str) -> RegisteredSchema:
    if not store.versions(subject):
        raise RegistryError(404, 40401, f"Subject '{subject}' not found.")
    wanted: int | str = "latest" if version in ("latest", "-1") else _int(version, 42202, "version")
    found = store.version(subject, wanted)
    if found is None:
        raise RegistryError(404, 40402, f"Version {version} not found.")
    return found


def _schema_by_id(store: SchemaRegistry, method: str, body: Any, schema_id: str) -> Any:
    schema = store.by_id(int(schema_id))
    if schema is None:
        raise RegistryError(404, 40403, f"Schema {schema_id} not found")
    found: dict[str, Any] = {"schema": schema.schema_str}
    if schema.schema_type and schema.schema_type != "AVRO":
        found["schemaType"] = schema.schema_type
    return found


def _raw_schema_by_id(store: SchemaRegistry, method: str, body: Any, schema_id: str) -> Any:
    return _json(_schema_by_id(store, method, body, schema_id)["schema"])


def _config(store: SchemaRegistry, method: str, body: Any, subject: str | None = None) -> Any:
    if method == "PUT":
        level = (body if isinstance(body, dict) else {}).get("compatibility")
        if not isinstance(level, str):
            raise RegistryError(422, 42203, "Invalid compatibility level")
        store.set_compatibility(level.upper(), subject)
        return {"compatibility": level.upper()}
    return {"compatibilityLevel": store.compatibility(subject)}


def _compatibility(
    store: SchemaRegistry, method: str, body: Any, subject: str, version: str
) -> Any:
    _schema_of(body)
    _find_version(store, subject, version)
    return {"is_compatible": True}  # compatibility is recorded, not enforced


def _json(text: str | None) -> Any:
    return json.loads(text or "null")


def _schema_of(body: Any) -> tuple[str, str]:
    if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
        raise RegistryError(422, 42201, "Either the input schema or one its references is invalid")
    schema_type = body.get("schemaType") or "AVRO"
    if schema_type == "AVRO":
        try:
            parse_avro(body["schema"])
        except Exception as error:  # noqa: BLE001  fastavro raises several types for a bad schema
            raise RegistryError(422, 42201, f"Invalid schema: {error}") from None
    return body["schema"], schema_type


def _registered(found: RegisteredSchema) -> dict[str, Any]:
    registered = {
        "subject": found.subject,
        "version": found.version,
        "id": found.schema_id,
        "schema": found.schema.schema_str,
    }
    if found.schema.schema_type and found.schema.schema_type != "AVRO":
        registered["schemaType"] = found.schema.schema_type
    return registered


def _int(text: str, code: int, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise RegistryError(422, code, f"The specified {what} '{text}' is not valid") from None


_SUBJECT = r"/subjects/(?P<subject>[^/]+)"
_ROUTES: tuple[tuple[frozenset[str], re.Pattern[str], Handler], ...] = tuple(
    (frozenset(methods.split()), re.compile(pattern), handler)
    for methods, pattern, handler in (
        ("GET", r"/subjects", _subjects),
        ("POST", _SUBJECT, _lookup),
        ("DELETE", _SUBJECT, _delete_subject),
        ("POST", _SUBJECT + r"/versions", _register),
        ("GET", _SUBJECT + r"/versions", _versions),
        ("GET", _SUBJECT + r"/versions/(?P<version>[^/]+)", _version),
        ("GET", _SUBJECT + r"/versions/(?P<version>[^/]+)/schema", _version_schema),
        ("GET", r"/schemas/ids/(?P<schema_id>\d+)", _schema_by_id),
        ("GET", r"/schemas/ids/(?P<schema_id>\d+)/schema", _raw_schema_by_id),
        ("GET PUT", r"/config", _config),
        ("GET PUT", r"/config/(?P<subject>[^/]+)", _config),
        (
            "POST",
            r"/compatibility" + _SUBJECT + r"/versions/(?P<version>[^/]+)",
            _compatibility,
        ),
    )
)
