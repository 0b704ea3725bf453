"""The policy schema's checks, without jsonschema: the few JSON Schema (draft 2020-12) keywords that
``policy.schema.json`` uses, read from that file.

Why not jsonschema: importing it imports every optional format checker installed beside it, and the
one JupyterLab brings (``rfc3987_syntax``) builds 38 grammars at import: 1.2 s of CPU before the first
:class:`Policy` exists, which a guard starting in a service would pay. The errors carry what
jsonschema's do (keyword, its value, the instance, the sub-schema, the path), so the messages read the
same; ``tests/policy/test_policy12_schema.py`` checks this against jsonschema itself. A keyword the
schema starts to use that this module does not know is refused when the schema is first read.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_CHECKED = frozenset(
    {
        "type",
        "enum",
        "required",
        "additionalProperties",
        "properties",
        "items",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "minLength",
    }
)
_NOTES = frozenset({"$schema", "$id", "title", "description", "default", "examples"})


@dataclass(frozen=True)
class SchemaError:
    """One failed check, shaped as jsonschema's ``ValidationError`` (the attributes read here)."""

    validator: str
    validator_value: Any
    instance: Any
    schema: dict[str, Any]
    absolute_path: tuple[str | int, ...]
    message: str


def check_keywords(schema: Any, where: str = "#") -> None:
    """Refuse a schema using a keyword this module does not check (it would silently pass)."""
    if not isinstance(schema, dict):
        return
    unknown = set(schema) - _CHECKED - _NOTES
    if unknown:
        raise ValueError(
            f"policy.schema.json {where}: keyword(s) {sorted(unknown)} not checked by "
            "workbench/policy/_schema.py"
        )
    for key, sub in (schema.get("properties") or {}).items():
        check_keywords(sub, f"{where}/properties/{key}")
    if "items" in schema:
        check_keywords(schema["items"], f"{where}/items")


def _is(instance: Any, kind: str) -> bool:
    if kind == "null":
        return instance is None
    if kind == "boolean":
        return isinstance(instance, bool)
    if kind == "string":
        return isinstance(instance, str)
    if kind == "object":
        return isinstance(instance, dict)
    if kind == "array":
        return isinstance(instance, list)
    if isinstance(instance, bool):  # bool is an int in Python, never a number in JSON
        return False
    if kind == "integer":  # 2.0 is an integer since draft 6
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    if (
        kind == "number"
    ):  # (a real number: numbers.Number took a complex one, which no comparison of the guard takes)
        return isinstance(instance, (numbers.Real, Decimal))
    raise ValueError(f"policy.schema.json: type {kind!r} not checked by workbench/policy/_schema.py")


def _equal(one: Any, two: Any) -> bool:
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one is two
    return type(one) is type(two) and one == two if isinstance(one, (str, dict, list)) else one == two


def iter_errors(
    instance: Any, schema: dict[str, Any], path: tuple[str | int, ...] = ()
) -> Iterator[SchemaError]:
    """Every failed check of ``instance`` against ``schema``, as jsonschema would list them."""

    def error(keyword: str, message: str) -> SchemaError:
        return SchemaError(keyword, schema[keyword], instance, schema, path, message)

    kinds = schema.get("type")
    if kinds is not None:
        wanted = kinds if isinstance(kinds, list) else [kinds]
        if not any(_is(instance, k) for k in wanted):
            yield error("type", f"{instance!r} is not of type {', '.join(map(repr, wanted))}")
    if "enum" in schema and not any(_equal(instance, v) for v in schema["enum"]):
        yield error("enum", f"{instance!r} is not one of {schema['enum']!r}")
    if isinstance(instance, dict):
        for key in schema.get("required", ()):
            if key not in instance:
                yield error("required", f"{key!r} is a required property")
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is False:
            extras = [k for k in instance if k not in props]
            if extras:
                yield error("additionalProperties", f"Additional properties are not allowed ({extras!r})")
        for key, sub in props.items():
            if key in instance:
                yield from iter_errors(instance[key], sub, (*path, key))
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            yield from iter_errors(item, schema["items"], (*path, i))
    if _is(instance, "number"):
        if "minimum" in schema and instance < schema["minimum"]:
            yield error("minimum", f"{instance!r} is less than the minimum of {schema['minimum']!r}")
        if "maximum" in schema and instance > schema["maximum"]:
            yield error("maximum", f"{instance!r} is greater than the maximum of {schema['maximum']!r}")
        if "exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"]:
            yield error(
                "exclusiveMinimum",
                f"{instance!r} is less than or equal to the minimum of {schema['exclusiveMinimum']!r}",
            )
    if isinstance(instance, str) and "minLength" in schema and len(instance) < schema["minLength"]:
        yield error(
            "minLength",
            f"{instance!r} {'should be non-empty' if schema['minLength'] == 1 else 'is too short'}",
        )
