"""Registering a legacy endpoint: every table that dispatches on one, updated in one place.

The spec (``compat._spec``) declares the legacy endpoints and ``compat.models``
their models; the tables made from them at import (the translators, the
response models, the wire converter's, the path patterns and the gate of the
audit and the codemod, the trace's field names) are brought up to date here
when an endpoint is added after import, or taken away again.

    register(endpoint, RequestModel, ResponseModel)

The endpoint's ``replacement`` must be the new endpoint; its ``shim_method`` may
be None (the shim then serves it through ``LegacyClient.post`` and
``TranslatingPoolManager``, and the gateway at its path).
"""

from __future__ import annotations

from typing import Any

from . import _source, _spec, _trace, _wire, models, translate

__all__ = ["register", "unregister"]


def register(endpoint: _spec.Endpoint, request: type[Any], response: type[Any]) -> None:
    """Add a legacy endpoint, with its attrs request and response models."""
    if endpoint.name in _spec.ENDPOINTS:
        msg = f"an endpoint named {endpoint.name!r} is registered already"
        raise ValueError(msg)
    if endpoint.replacement != _spec.SEND.name:
        msg = f"{endpoint.name}: a legacy endpoint is replaced by {_spec.SEND.name!r}"
        raise ValueError(msg)
    _spec.ENDPOINTS[endpoint.name] = endpoint
    _spec.LEGACY_ENDPOINTS[endpoint.name] = endpoint
    if endpoint.shim_method is not None:
        _spec.SHIM_METHODS[endpoint.shim_method] = endpoint
    models.LEGACY_MODELS[endpoint.name] = (request, response)
    for model, table in ((request, endpoint.request), (response, endpoint.response)):
        _wire.add_model(model, endpoint.name, table)
    translate.TRANSLATORS[endpoint.name] = translate._Translator(endpoint, request)
    translate._RESPONSES[endpoint.name] = response
    _trace._WIRE_NAMES[endpoint.name] = {spec.attr: spec.wire for spec in endpoint.request}
    _refresh()


def unregister(name: str) -> None:
    """Take a legacy endpoint added by :func:`register` away again."""
    endpoint = _spec.LEGACY_ENDPOINTS.pop(name)
    del _spec.ENDPOINTS[name]
    if endpoint.shim_method is not None:
        _spec.SHIM_METHODS.pop(endpoint.shim_method, None)
    for model in models.LEGACY_MODELS.pop(name):
        _wire.remove_model(model)
    del translate.TRANSLATORS[name]
    del translate._RESPONSES[name]
    _trace._WIRE_NAMES.pop(name, None)
    _refresh()


def _refresh() -> None:
    from ._source import python as _python

    _source.refresh()
    _python.refresh()
