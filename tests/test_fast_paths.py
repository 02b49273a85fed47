"""The generated fast paths say and build exactly what the general ones do."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pytest

from compat import SendRequest, ValidationError, _spec, translate_send_inbox
from compat._validate import Validator
from compat.audit import scan_report
from compat.migrate import fixable_lines
from compat.translate import Translation

from .payloads import inbox

if TYPE_CHECKING:
    from pathlib import Path


def test_a_nested_result_with_a_key_the_spec_lacks_is_refused_where_keys_must_be_known() -> None:
    strict = Validator("send", _spec.SEND.response, extra_keys="error")
    good = {"result": {"resultStatus": "S", "resultCode": "SUCCESS"}}
    bad = {"result": {"resultStatus": "S", "resultCode": "SUCCESS", "bogus": 1}}
    assert strict.is_valid(good)
    assert not strict.is_valid(bad)
    with pytest.raises(ValidationError, match=r"result\.bogus is not a field of Result"):
        strict(bad)
    lenient = Validator("send", _spec.SEND.response)
    assert lenient.is_valid(bad)  # unknown keys are kept, not refused, when reading


@attrs.frozen
class _TaggedRequest(SendRequest):
    """A caller's own subclass of the request model."""


def test_a_translation_writes_its_body_and_takes_only_compat_models() -> None:
    translation = translate_send_inbox(inbox())
    request = translation.request
    tagged = _TaggedRequest(**{f.name: getattr(request, f.name) for f in attrs.fields(SendRequest)})
    with pytest.raises(TypeError, match="to_wire\\(\\) takes a compat model"):
        Translation("sendInbox", tagged, translation.changes).to_wire()
    assert Translation("sendInbox", request).to_wire() == translation.to_wire()


def test_fixable_lines_of_a_source_without_any_legacy_word_is_empty() -> None:
    assert fixable_lines("VALUE = 1\n") == frozenset()


def test_a_compat_colon_that_is_no_directive_says_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('NOTE = "compat: the library"  # compat: see the docs\n')
    report = scan_report([tmp_path])
    assert report.findings == []
    assert report.suppressed == 0


def test_absent_optional_fields_pass_both_checks() -> None:
    """A string and a template list that may be left out, left out (or None): the fast
    check and the field-by-field one both let them pass (no table of the spec has an
    optional list yet; a registered endpoint may)."""
    table = _spec.Table(
        "Optional",
        (
            _spec.FieldSpec("note", "note", _spec.STRING, False, 10),
            _spec.FieldSpec("templates", "templates", _spec.TEMPLATES, False, 5, 1),
        ),
    )
    validator = Validator("optional", table, extra_keys="error")
    for data in ({}, {"note": None, "templates": None}):
        assert validator.is_valid(data)
        validator.explain(data)  # raises nothing


def test_a_field_given_twice_with_the_same_value_is_taken_once() -> None:
    """snake_case and camelCase keys for one field: the same value is one field (the
    rules' way), different values an error naming both."""
    payload = inbox()
    payload["access_token"] = payload["accessToken"]
    assert translate_send_inbox(payload) == translate_send_inbox(inbox())
    payload["access_token"] = "another"
    with pytest.raises(ValidationError, match="accessToken and access_token name the same"):
        translate_send_inbox(payload)
