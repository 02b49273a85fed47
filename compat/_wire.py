"""The one cattrs converter between models and wire (camelCase JSON) bodies.

Field names and their order come from the spec tables. ``to_wire`` omits
``None`` fields; ``from_wire`` checks types with the spec validator first, so a
wrong type is reported with the field's path, then lets cattrs build the model.
Fields a platform adds that the spec does not know are ignored when reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType, MemberDescriptorType
from typing import Any, Callable, Optional, TypeVar, cast

import attrs
from cattrs.gen import make_dict_structure_fn, override
from cattrs.preconf.json import make_converter

from . import _spec
from ._validate import Validator, json_type
from .errors import ValidationError
from .models import (
    LEGACY_MODELS,
    ContentTemplate,
    Result,
    SendRequest,
    SendResponse,
)

__all__ = ["MODEL_TABLES", "from_wire", "to_wire", "trusted_builder"]

T = TypeVar("T")

#: Each model class with the endpoint it belongs to (for messages) and its table.
MODEL_TABLES: dict[type[Any], tuple[str, _spec.Table]] = {
    ContentTemplate: ("ContentTemplate", _spec.CONTENT_TEMPLATE),
    Result: ("Result", _spec.RESULT_TABLE),
    SendRequest: (_spec.SEND.name, _spec.SEND.request),
    SendResponse: (_spec.SEND.name, _spec.SEND.response),
    **{
        model: (name, table)
        for name, (request, response) in LEGACY_MODELS.items()
        for model, table in (
            (request, _spec.LEGACY_ENDPOINTS[name].request),
            (response, _spec.LEGACY_ENDPOINTS[name].response),
        )
    },
}

_converter = make_converter()


def _is_model(cls: Any) -> bool:
    return cls in MODEL_TABLES


def _compile(name: str, source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    """Compile generated code, as attrs and cattrs do, for a function with no loop overhead."""
    exec(compile(source, f"<compat generated {name}>", "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def _unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
    """Generate ``unstructure_<Model>(obj)``: wire keys in spec order, None omitted."""
    table = MODEL_TABLES[cls][1]
    namespace: dict[str, Any] = {}
    lines = [f"def unstructure_{cls.__name__}(obj):", "    out = {}"]
    for spec in table:
        lines += [f"    value = obj.{spec.attr}", "    if value is not None:"]
        if spec.type == _spec.TEMPLATES:
            namespace["template"] = _converter.get_unstructure_hook(ContentTemplate)
            namespace["ContentTemplate"] = ContentTemplate
            # the usual template (with a language) inline; any other through its hook
            parameters, language = (f.wire for f in _spec.CONTENT_TEMPLATE)
            lines += [
                f"        out[{spec.wire!r}] = [",
                f"            {{{parameters!r}: t.template_parameters.copy(), "
                f"{language!r}: t.language}}",
                "            if t.__class__ is ContentTemplate and t.language is not None",
                "            else template(t)",
                "            for t in value",
                "        ]",
            ]
        elif spec.type == _spec.PARAMETERS:
            # a read-only view (models.ContentTemplate): copy() is its dict's C-level copy
            lines.append(f"        out[{spec.wire!r}] = value.copy()")
        elif spec.type == _spec.RESULT:
            namespace["result"] = _converter.get_unstructure_hook(Result)
            lines.append(f"        out[{spec.wire!r}] = result(value)")
        else:
            lines.append(f"        out[{spec.wire!r}] = value")
    lines.append("    return out")
    return _compile(f"unstructure_{cls.__name__}", "\n".join(lines) + "\n", namespace)


def trusted_builder(cls: type[T]) -> Callable[..., T]:
    """A constructor of ``cls`` for values already validated and converted.

    It takes the attributes in order, like ``cls(...)``, but skips the converters:
    the caller passes a tuple of templates and read-only template parameters.
    For the translator's hot path; everyone else calls ``cls(...)``.
    """
    names = [a.name for a in attrs.fields(cast("type[attrs.AttrsInstance]", cls))]
    lines = [f"def build_{cls.__name__}({', '.join(names)}):", "    obj = new(cls)"]
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, "setattr": object.__setattr__}
    for name in names:
        slot = getattr(cls, name, None)
        if isinstance(slot, MemberDescriptorType):  # a slot: set it straight through
            namespace[f"set_{name}"] = slot.__set__
            lines.append(f"    set_{name}(obj, {name})")
        else:  # pragma: no cover - compat's models are slotted
            lines.append(f"    setattr(obj, {name!r}, {name})")
    lines.append("    return obj")
    return _compile(f"build_{cls.__name__}", "\n".join(lines) + "\n", namespace)


#: Attributes that hold what a body carried beyond the spec (not a wire field).
EXTRA = "extra"


def _structure_factory(cls: type[Any]) -> Callable[[Mapping[str, Any], Any], Any]:
    table = MODEL_TABLES[cls][1]
    overrides = {spec.attr: override(rename=spec.wire) for spec in table}
    names = {a.name for a in attrs.fields(cls)}
    keeps_extra = EXTRA in names
    if keeps_extra:
        overrides[EXTRA] = override(omit=True)
    missing = names - overrides.keys()
    if missing:  # pragma: no cover - guarded by tests/test_spec.py
        raise AssertionError(f"{cls.__name__} has attributes the spec lacks: {missing}")
    make: Any = make_dict_structure_fn  # its **overrides are typed narrower than they are
    base: Callable[[Mapping[str, Any], Any], Any] = make(
        cls, _converter, _cattrs_forbid_extra_keys=False, **overrides
    )
    if not keeps_extra:
        return base
    known = table.by_wire

    def structure(data: Mapping[str, Any], type_: Any) -> Any:
        obj = base(data, type_)
        extra = {k: v for k, v in data.items() if k not in known}
        if extra:
            object.__setattr__(obj, EXTRA, MappingProxyType(extra))
        return obj

    return structure


def _trusted_structure(cls: type[Any]) -> Optional[Callable[[dict[str, Any]], Any]]:
    """Generate ``structure_<Model>(data)`` for a body its validator's ``is_valid`` passed
    (exact dicts and strings): each field read once, a required nested result built in
    place, the keys the spec lacks kept in ``extra``; what cattrs builds, without its
    dispatch. None for other tables: templates (requests, which the translator builds
    on its own), an optional result (none so far)."""
    table = MODEL_TABLES[cls][1]
    if any(
        spec.type not in (_spec.STRING, _spec.RESULT)
        or (spec.type == _spec.RESULT and not spec.required)
        for spec in table
    ):
        return None  # cattrs builds those
    names = [a.name for a in attrs.fields(cls)]
    namespace: dict[str, Any] = {
        "build": trusted_builder(cls),
        "build_result": trusted_builder(Result),
        "proxy": MappingProxyType,
        "KNOWN": frozenset(table.by_wire),
    }
    values = {}
    for spec in table:
        if spec.type == _spec.RESULT:
            parts = ", ".join(f"result.get({child.wire!r})" for child in _spec.RESULT_TABLE)
            values[spec.attr] = f"build_result({parts})"
        else:
            values[spec.attr] = f"data.get({spec.wire!r})"
    lines = [f"def structure_{cls.__name__}(data):"]
    result = next((spec for spec in table if spec.type == _spec.RESULT), None)
    if result is not None:
        lines.append(f"    result = data[{result.wire!r}]")
    if EXTRA in names:
        lines.append("    extra = {k: v for k, v in data.items() if k not in KNOWN}")
        values[EXTRA] = "proxy(extra)"
    lines.append(f"    return build({', '.join(values[name] for name in names)})")
    return _compile(f"structure_{cls.__name__}", "\n".join(lines) + "\n", namespace)


_converter.register_unstructure_hook_factory(_is_model, _unstructure_factory)
_converter.register_structure_hook_factory(_is_model, _structure_factory)

_validators: dict[type[Any], Validator] = {}
#: each model's structure function for bodies its validator passed (None: cattrs builds
#: them), made when a body of the model is first read
_trusted: dict[type[Any], Optional[Callable[[dict[str, Any]], Any]]] = {}


def add_model(cls: type[Any], label: str, table: _spec.Table) -> None:
    """Read and write ``cls`` as bodies of ``table`` (the endpoint ``label``'s)."""
    MODEL_TABLES[cls] = (label, table)
    _validators[cls] = Validator(label, table, lengths=False)
    _trusted.pop(cls, None)


def remove_model(cls: type[Any]) -> None:
    """Forget a model added by :func:`add_model`."""
    for known in (MODEL_TABLES, _validators, _trusted, _to_wire_hooks):
        known.pop(cls, None)


_to_wire_hooks: dict[type[Any], Callable[[Any], dict[str, Any]]] = {}
for _model, (_label, _table) in list(MODEL_TABLES.items()):
    add_model(_model, _label, _table)
del _model, _label, _table


def to_wire(model: Any) -> dict[str, Any]:
    """A model as its wire body: camelCase keys in the endpoint's order, None omitted."""
    hook = _to_wire_hooks.get(model.__class__)
    if hook is None:
        if type(model) not in MODEL_TABLES:
            msg = f"to_wire() takes a compat model, got {type(model).__name__}"
            raise TypeError(msg)
        hook = _to_wire_hooks[type(model)] = _converter.get_unstructure_hook(type(model))
    return hook(model)


def from_wire(data: object, cls: type[T]) -> T:
    """Build a model of ``cls`` from its wire body.

    Wrong types and missing required fields raise :class:`~compat.ValidationError`
    naming the field; keys the spec does not know are ignored; lengths are not
    checked (use the translator or the client for that).
    """
    validator = _validators.get(cls)
    if validator is None:
        msg = f"from_wire() builds compat models, not {getattr(cls, '__name__', cls)!r}"
        raise TypeError(msg)
    if validator.is_valid(data):  # a dict (exactly) that keeps the rules
        try:
            trusted = _trusted[cls]
        except KeyError:
            trusted = _trusted[cls] = _trusted_structure(cls)
        if trusted is not None:
            return cast("T", trusted(cast("dict[str, Any]", data)))
    else:
        label = MODEL_TABLES[cls][0]
        if not isinstance(data, Mapping):
            msg = f"{label}: the body must be a JSON object, got {json_type(data)}"
            raise ValidationError(msg, endpoint=label, field="<body>")
        validator.explain(data)  # raises, naming the field
    return _converter.structure(data, cls)
