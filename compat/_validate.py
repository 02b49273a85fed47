"""Checks a wire body (camelCase keys) against a spec table.

One validator serves every place that checks a body: :func:`compat.from_wire`
(types only), the translator (legacy limits, then the new ones), the client
before it sends, and the sandbox. Errors name the endpoint, the field's path,
the limit and the actual length or type; never a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from ._spec import CONTENT_TEMPLATE, PARAMETERS, RESULT_TABLE, STRING, TEMPLATES, Table
from .errors import FieldTooLongError, MissingFieldError, ValidationError

__all__ = ["Validator", "json_type", "too_long", "utf16_len"]


def utf16_len(value: str) -> int:
    """The length of ``value`` in UTF-16 code units, as the platform (Java) counts it."""
    if value.isascii():
        return len(value)
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


def _over(value: str, limit: int) -> Optional[int]:
    """The UTF-16 length of ``value`` when it is over ``limit``, else None.

    Cheap for the usual case: a string of n characters is n to 2n code units long.
    """
    n = len(value)
    if n * 2 <= limit:
        return None
    if n > limit:
        return utf16_len(value)
    length = utf16_len(value)
    return length if length > limit else None


def json_type(value: object) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def too_long(
    endpoint: str, field: str, length: int, limit: int, hint: str = ""
) -> FieldTooLongError:
    """The error for a string over its limit (shared by the validator and the translator)."""
    msg = (
        f"{endpoint}: {field} is {length} characters long (UTF-16 code units); "
        f"the limit is {limit}{hint}"
    )
    return FieldTooLongError(msg, endpoint=endpoint, field=field, limit=limit, length=length)


class Validator:
    """Validates wire bodies of one table for one endpoint.

    :param lengths: check maximum lengths (off for bodies a platform sent back,
        which are read leniently).
    :param extra_keys: what to do with keys the table does not have: ``"allow"``
        or ``"error"``.
    """

    def __init__(
        self, endpoint: str, table: Table, *, lengths: bool = True, extra_keys: str = "allow"
    ) -> None:
        self.endpoint = endpoint
        self.table = table
        self.lengths = lengths
        self.extra_keys = extra_keys
        self._nested: dict[str, Validator] = {}
        self._plan: list[tuple[str, str, bool, Optional[int], Optional[int]]] = [
            (
                spec.wire,
                spec.type,
                spec.required,
                spec.max_length if lengths or spec.type == TEMPLATES else None,
                spec.min_items,
            )
            for spec in table
        ]

    def _child(self, table: Table) -> Validator:
        child = self._nested.get(table.name)
        if child is None:
            child = Validator(
                self.endpoint, table, lengths=self.lengths, extra_keys=self.extra_keys
            )
            self._nested[table.name] = child
        return child

    def __call__(self, data: Mapping[str, Any], prefix: str = "") -> None:
        """Raise :class:`~compat.ValidationError` for the first rule ``data`` breaks."""
        endpoint = self.endpoint
        for wire, kind, required, limit, min_items in self._plan:
            value = data.get(wire)
            field = prefix + wire
            if value is None:
                if required:
                    msg = f"{endpoint}: {field} is missing (required)"
                    raise MissingFieldError(msg, endpoint=endpoint, field=field)
            elif kind == STRING:
                if not isinstance(value, str):
                    raise self._type_error(field, value, "a string")
                if not value and required:
                    msg = f"{endpoint}: {field} is empty (required)"
                    raise MissingFieldError(msg, endpoint=endpoint, field=field)
                if limit is not None:
                    length = _over(value, limit)
                    if length is not None:
                        raise too_long(endpoint, field, length, limit)
            elif kind == TEMPLATES:
                self._templates(field, value, limit, min_items)
            elif kind == PARAMETERS:
                self._parameters(field, value)
            else:
                self._result(field, value)
        if self.extra_keys == "error" and len(data) > len(self._plan):
            known = self.table.by_wire
            for key in data:
                if key not in known:
                    msg = (
                        f"{endpoint}: {prefix}{key} is not a field of {self.table.name} "
                        f"(fields: {', '.join(known)})"
                    )
                    raise ValidationError(msg, endpoint=endpoint, field=f"{prefix}{key}")

    def _type_error(self, field: str, value: object, expected: str) -> ValidationError:
        msg = f"{self.endpoint}: {field} must be {expected}, got {json_type(value)}"
        return ValidationError(msg, endpoint=self.endpoint, field=field)

    def _templates(
        self,
        field: str,
        value: Any,
        limit: Optional[int],
        min_items: Optional[int],
    ) -> None:
        if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
            raise self._type_error(field, value, "an array of ContentTemplate objects")
        count = len(value)
        if min_items is not None and count < min_items:
            msg = f"{self.endpoint}: {field} has {count} entries; at least {min_items} required"
            raise ValidationError(msg, endpoint=self.endpoint, field=field)
        if limit is not None and count > limit:
            msg = f"{self.endpoint}: {field} has {count} entries; the limit is {limit}"
            raise FieldTooLongError(
                msg, endpoint=self.endpoint, field=field, limit=limit, length=count
            )
        child = self._child(CONTENT_TEMPLATE)
        for index, template in enumerate(value):
            path = f"{field}[{index}]"
            if not isinstance(template, Mapping):
                raise self._type_error(path, template, "a ContentTemplate object")
            child(template, path + ".")

    def _parameters(self, field: str, value: Any) -> None:
        if not isinstance(value, Mapping):
            raise self._type_error(field, value, "an object of strings")
        for key, item in value.items():
            if not isinstance(key, str):
                raise self._type_error(f"{field} key", key, "a string")
            if not isinstance(item, str):
                raise self._type_error(f"{field}.{key}", item, "a string")

    def _result(self, field: str, value: Any) -> None:
        if not isinstance(value, Mapping):
            raise self._type_error(field, value, "a Result object")
        self._child(RESULT_TABLE)(value, field + ".")
