"""confluent-kafka's Schema Registry client against `anomaly-service`'s development registry.

    python3 Tests/Python/schema_registry_client.py http://127.0.0.1:PORT

Run by SchemaRegistryPythonTests; prints one line per step and "ok" at the end, exits non-zero
(with the traceback) at the first step that fails.
"""

import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

USER = {"type": "record", "name": "User", "namespace": "test",
        "fields": [{"name": "name", "type": "string"}]}
USER_WITH_AGE = dict(USER, fields=USER["fields"] + [{"name": "age", "type": "int", "default": 0}])
USER_WITH_EMAIL = dict(USER, fields=USER["fields"] + [{"name": "email", "type": "string"}])


def step(name):
    print(name, flush=True)


def main(url):
    client = SchemaRegistryClient({"url": url})
    subject = "users-value"

    step("register")
    first = client.register_schema(subject, Schema(json.dumps(USER), "AVRO"))
    # A fresh client, so its cache does not answer for the registry.
    again = SchemaRegistryClient({"url": url}).register_schema(subject, Schema(json.dumps(USER), "AVRO"))
    assert again == first, (again, first)

    step("lookup_schema")
    found = client.lookup_schema(subject, Schema(json.dumps(USER), "AVRO"))
    assert (found.schema_id, found.version, found.subject) == (first, 1, subject), found

    step("register a compatible second version")
    second = client.register_schema(subject, Schema(json.dumps(USER_WITH_AGE), "AVRO"))
    assert second != first
    latest = client.get_latest_version(subject)
    assert (latest.schema_id, latest.version) == (second, 2), latest
    assert json.loads(latest.schema.schema_str) == USER_WITH_AGE
    assert client.get_versions(subject) == [1, 2]
    assert client.get_subjects() == [subject]

    step("incompatible schema raises")
    try:
        client.register_schema(subject, Schema(json.dumps(USER_WITH_EMAIL), "AVRO"))
        raise AssertionError("an incompatible schema was registered")
    except SchemaRegistryError as error:
        assert error.http_status_code == 409 and error.error_code == 409, error

    step("get_schema")
    schema = SchemaRegistryClient({"url": url}).get_schema(first)
    assert json.loads(schema.schema_str) == USER and schema.schema_type == "AVRO", schema

    step("unknown id raises 40403")
    try:
        client.get_schema(9999)
        raise AssertionError("schema 9999 was found")
    except SchemaRegistryError as error:
        assert error.http_status_code == 404 and error.error_code == 40403, error

    step("set_compatibility")
    assert client.get_compatibility() == "BACKWARD"
    assert client.set_compatibility(subject_name=subject, level="none") == {"compatibility": "NONE"}
    assert client.get_compatibility(subject) == "NONE"
    third = client.register_schema(subject, Schema(json.dumps(USER_WITH_EMAIL), "AVRO"))
    assert client.get_latest_version(subject).version == 3 and third not in (first, second)
    assert client.set_compatibility(level="BACKWARD") == {"compatibility": "BACKWARD"}

    step("AvroSerializer and AvroDeserializer round trip")
    topic = "requests"
    serializer = AvroSerializer(client, json.dumps(USER_WITH_AGE), conf={"auto.register.schemas": True})
    context = SerializationContext(topic, MessageField.VALUE)
    record = {"name": "alice", "age": 42}
    payload = serializer(record, context)
    assert payload[0] == 0, payload[:5]
    registered = int.from_bytes(payload[1:5], "big")
    assert registered == second, (registered, second)
    deserializer = AvroDeserializer(SchemaRegistryClient({"url": url}))
    assert deserializer(payload, context) == record

    step("delete_subject")
    assert client.delete_subject("requests-value") == [1]
    print("ok", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
