"""Checks a wire body (camelCase keys) against a spec table.

One validator serves every place that checks a body: :func:`compat.from_wire`
(types only), the translator (legacy limits, then the new ones), the client
before it sends, and the sandbox. Errors name the endpoint, the field's path,
the limit and the actual length or type; never a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from ._spec import CONTENT_TEMPLATE, PARAMETERS, RESULT, RESULT_TABLE, STRING, TEMPLATES, Table
from .errors import FieldTooLongError, MissingFieldError, ValidationError

__all__ = ["Validator", "json_type", "lone_surrogate", "printable", "too_long", "utf16_len"]

#: A surrogate code point on its own. JSON may carry one (``"\\ud83d"``), but it is no
#: character: UTF-8 cannot encode it, and the platform takes valid Unicode text only.
_SURROGATE = re.compile("[\ud800-\udfff]").search


def lone_surrogate(value: str) -> Optional[int]:
    """The index of the first lone surrogate in ``value``, or None (cheap for ASCII)."""
    if value.isascii():
        return None
    found = _SURROGATE(value)
    return found.start() if found else None


def printable(key: object) -> str:
    """A key as it may appear in a message or a field path: lone surrogates escaped."""
    text = key if isinstance(key, str) else repr(key)
    if lone_surrogate(text) is None:
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def surrogate_message(where: str, value: str, index: int) -> str:
    """Where text has a lone surrogate, never the text (the validator's, the JSON reader's)."""
    return (
        f"{where} has a lone surrogate (U+{ord(value[index]):04X} at index {index}); "
        "only valid Unicode text can be sent"
    )


def surrogate_error(endpoint: str, field: str, value: str, index: int) -> ValidationError:
    """The error for text with a lone surrogate."""
    msg = f"{endpoint}: {surrogate_message(field, value, index)}"
    return ValidationError(msg, endpoint=endpoint, field=field)


def at_least_one(name: str, value: int, unit: str) -> int:
    """A count option (``workers``, ``max_body``, ...): a whole number, 1 or more."""
    if value.__class__ is not int or value < 1:
        msg = f"{name} must be a number of {unit}, 1 or more, got {value!r}"
        raise ValueError(msg)
    return value


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
        self._strings: list[tuple[str, bool, Optional[int]]] = []
        self._others: list[tuple[str, str, bool, Optional[int], Optional[int]]] = []
        for spec in table:
            if spec.type == STRING:
                limit = spec.max_length if lengths else None
                self._strings.append((spec.wire, spec.required, limit))
            else:
                limit = spec.max_length if lengths or spec.type == TEMPLATES else None
                self._others.append((spec.wire, spec.type, spec.required, limit, spec.min_items))
        self._nested: dict[str, Validator] = {}
        #: ``is_valid(data) -> bool``: the same rules, generated straight-line code,
        #: for exact built-in types only (anything else: False, and ``__call__`` explains).
        self.is_valid = _compile_predicate(table, lengths=lengths, extra_keys=extra_keys)

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
        if self.is_valid(data):
            return
        self.explain(data, prefix)

    def explain(self, data: Mapping[str, Any], prefix: str = "") -> None:
        """Check ``data`` field by field and raise the error for the first broken rule."""
        get = data.get
        for wire, required, limit in self._strings:
            value = get(wire)
            if value is None:
                if required:
                    raise self._missing(prefix + wire, "missing")
                continue
            if value.__class__ is not str and not isinstance(value, str):
                raise self._type_error(prefix + wire, value, "a string")
            if not value and required:
                raise self._missing(prefix + wire, "empty")
            index = lone_surrogate(value)
            if index is not None:
                raise surrogate_error(self.endpoint, prefix + wire, value, index)
            if limit is not None:
                n = len(value)
                if n * 2 > limit and (n > limit or utf16_len(value) > limit):
                    raise too_long(self.endpoint, prefix + wire, utf16_len(value), limit)
        for wire, kind, required, limit, min_items in self._others:
            value = get(wire)
            if value is None:
                if required:
                    raise self._missing(prefix + wire, "missing")
            elif kind == TEMPLATES:
                self._templates(prefix + wire, value, limit, min_items)
            elif kind == PARAMETERS:
                self._parameters(prefix + wire, value)
            else:
                self._result(prefix + wire, value)
        known = self.table.by_wire
        if self.extra_keys == "error" and not data.keys() <= known.keys():
            for key in data:
                if key not in known:
                    field = prefix + printable(key)
                    msg = (
                        f"{self.endpoint}: {field} is not a field of {self.table.name} "
                        f"(fields: {', '.join(known)})"
                    )
                    raise ValidationError(msg, endpoint=self.endpoint, field=field)

    def _missing(self, field: str, how: str) -> MissingFieldError:
        msg = f"{self.endpoint}: {field} is {how} (required)"
        return MissingFieldError(msg, endpoint=self.endpoint, field=field)

    def _type_error(self, field: str, value: object, expected: str) -> ValidationError:
        msg = f"{self.endpoint}: {field} must be {expected}, got {json_type(value)}"
        return ValidationError(msg, endpoint=self.endpoint, field=field)

    def _templates(
        self, field: str, value: Any, limit: Optional[int], min_items: Optional[int]
    ) -> None:
        if value.__class__ is not list and (
            not isinstance(value, Sequence) or isinstance(value, (str, bytes))
        ):
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
            if template.__class__ is not dict and not isinstance(template, Mapping):
                path = f"{field}[{index}]"
                raise self._type_error(path, template, "a ContentTemplate object")
            child(template, f"{field}[{index}].")

    def _parameters(self, field: str, value: Any) -> None:
        if value.__class__ is not dict and not isinstance(value, Mapping):
            raise self._type_error(field, value, "an object of strings")
        for key, item in value.items():
            if not isinstance(key, str):
                raise self._type_error(f"{field} key", key, "a string")
            index = lone_surrogate(key)
            if index is not None:
                raise surrogate_error(self.endpoint, f"{field} key", key, index)
            if not isinstance(item, str):
                raise self._type_error(f"{field}.{key}", item, "a string")
            index = lone_surrogate(item)
            if index is not None:
                raise surrogate_error(self.endpoint, f"{field}.{key}", item, index)

    def _result(self, field: str, value: Any) -> None:
        if not isinstance(value, Mapping):
            raise self._type_error(field, value, "a Result object")
        self._child(RESULT_TABLE)(value, field + ".")


def string_test(var: str, required: bool, limit: Optional[int], *, given: bool = False) -> str:
    """The condition under which the string in ``var`` breaks its rules (``given``: it
    must also be there, though it may be empty)."""
    tests = [f"{var}.__class__ is not str", f"not {var}.isascii() and lone({var})"]
    if limit is not None:
        tests.append(f"({length_test(var, limit)})")
    if required:
        return " or ".join([f"{var} is None", *tests, f"not {var}"])
    if given:
        return " or ".join([f"{var} is None", *tests])
    return f"{var} is not None and ({' or '.join(tests)})"


def length_test(var: str, limit: int) -> str:
    """The condition under which the string in ``var`` is over ``limit`` UTF-16 code units
    (counted only when its length in characters leaves it in doubt, as :func:`_over`)."""
    n = f"len({var})"
    return f"{n} * 2 > {limit} and ({n} > {limit} or u16({var}) > {limit})"


def template_checks(extra_keys: str, *, lengths: bool = True, refuse: str) -> list[str]:
    """Generated lines (in a loop over templates, as ``template``) that run ``refuse``
    when the template breaks a rule of :data:`CONTENT_TEMPLATE`, and leave each of its
    fields in a local named after its attribute (``template_parameters``)."""
    lines = ["        if template.__class__ is not dict:", f"            {refuse}"]
    if extra_keys == "error":
        lines += ["        if not template.keys() <= TEMPLATE_KEYS:", f"            {refuse}"]
    for child in CONTENT_TEMPLATE:
        item = child.attr
        lines.append(f"        {item} = template.get({child.wire!r})")
        if child.type == PARAMETERS:
            lines += [
                f"        if {item}.__class__ is not dict:",
                f"            {refuse}",
                f"        for key, text in {item}.items():",
                "            if key.__class__ is not str or text.__class__ is not str:",
                f"                {refuse}",
                "            if not (key.isascii() and text.isascii()) and "
                "(lone(key) or lone(text)):",
                f"                {refuse}",
            ]
        else:
            limit = child.max_length if lengths else None
            test = string_test(item, child.required, limit)
            lines += [f"        if {test}:", f"            {refuse}"]
    return lines


def check_names(table: Table) -> dict[str, Any]:
    """What the generated checks of ``table`` read (:func:`template_checks` too)."""
    return {
        "u16": utf16_len,
        "lone": _SURROGATE,
        "KNOWN": frozenset(table.by_wire),
        "TEMPLATE_KEYS": frozenset(CONTENT_TEMPLATE.by_wire),
        "RESULT_KEYS": frozenset(RESULT_TABLE.by_wire),
    }


def _compile_predicate(table: Table, *, lengths: bool, extra_keys: str) -> Any:
    """Generate ``is_valid(data) -> bool``: the validator's rules for ``table``, straight-line.

    It only says whether ``data`` is valid, fast, for exact built-in types (a
    ``str`` subclass or another Mapping makes it say no); when it says no, the
    field-by-field check runs and raises the error naming the field. Template
    parameters at the top level of a table (no such table exists) take the full check.
    """
    if any(spec.type == PARAMETERS for spec in table):
        return lambda data: False
    lines = ["def is_valid(data):", "    if data.__class__ is not dict:", "        return False"]
    if extra_keys == "error":
        lines += ["    if not data.keys() <= KNOWN:", "        return False"]
    lines.append("    get = data.get")
    for spec in table:
        lines.append(f"    value = get({spec.wire!r})")
        if spec.type == STRING:
            limit = spec.max_length if lengths else None
            lines += [
                f"    if {string_test('value', spec.required, limit)}:",
                "        return False",
            ]
            continue
        if spec.type == RESULT:  # a Result object: its strings, nested
            optional = "" if spec.required else "value is not None and "
            lines += [f"    if {optional}value.__class__ is not dict:", "        return False"]
            if extra_keys == "error":
                lines += ["    if not value.keys() <= RESULT_KEYS:", "        return False"]
            for child in RESULT_TABLE:
                limit = child.max_length if lengths else None
                lines += [
                    f"    item = value.get({child.wire!r})",
                    f"    if {string_test('item', child.required, limit)}:",
                    "        return False",
                ]
            continue
        # TEMPLATES: an array of 1..5 ContentTemplate objects (when given, if optional)
        block = [
            f"    if value.__class__ is not list or not {spec.min_items or 0} <= len(value) "
            f"<= {spec.max_length}:",
            "        return False",
            "    for template in value:",
            *template_checks(extra_keys, lengths=lengths, refuse="return False"),
        ]
        if not spec.required:
            block = ["    if value is not None:", *("    " + line for line in block)]
        lines += block
    lines.append("    return True")
    namespace = check_names(table)
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<compat validator {table.name}>", "exec"), namespace)
    return namespace["is_valid"]
