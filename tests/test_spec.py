"""The models and the spec tables say the same thing, and the tables match the endpoint pages."""

from __future__ import annotations

import attrs
import pytest

import compat
from compat import _spec
from compat._wire import MODEL_TABLES

# The constructor signatures of the contract, in order.
SIGNATURES = {
    compat.ContentTemplate: ["template_parameters", "language"],
    compat.Result: ["result_status", "result_code", "result_message"],
    compat.SendRequest: [
        "app_id",
        "access_token",
        "request_id",
        "template_code",
        "templates",
        "redirect_url",
        "extend_info",
    ],
    compat.SendResponse: ["result", "message_id", "extend_info"],
    compat.SendInboxRequest: [
        "access_token",
        "request_id",
        "template_code",
        "templates",
        "auth_client_id",
        "extend_info",
    ],
    compat.SendInboxResponse: ["result", "message_id", "extend_info"],
    compat.SendByAccessTokenRequest: [
        "app_id",
        "access_token",
        "template_code",
        "templates",
        "request_id",
        "extend_info",
    ],
    compat.SendByAccessTokenResponse: ["result", "extend_info"],
}


@pytest.mark.parametrize("cls", list(SIGNATURES), ids=lambda c: c.__name__)
def test_model_constructor_matches_the_contract(cls: type) -> None:
    assert [a.name for a in attrs.fields(cls) if not a.kw_only] == SIGNATURES[cls]


@pytest.mark.parametrize("cls", list(SIGNATURES), ids=lambda c: c.__name__)
def test_model_matches_its_spec_table(cls: type) -> None:
    table = MODEL_TABLES[cls][1]
    fields = {a.name: a for a in attrs.fields(cls) if not a.kw_only}
    assert set(fields) == {spec.attr for spec in table}
    for spec in table:
        has_default = fields[spec.attr].default is not attrs.NOTHING
        assert has_default == (not spec.required), spec.wire


def test_attr_names_are_the_snake_case_of_wire_names() -> None:
    for table in [_spec.CONTENT_TEMPLATE, _spec.RESULT_TABLE] + [
        t for e in _spec.ENDPOINTS.values() for t in (e.request, e.response)
    ]:
        for spec in table:
            snake = "".join("_" + c.lower() if c.isupper() else c for c in spec.wire)
            assert spec.attr == snake


@pytest.mark.parametrize(
    ("endpoint", "limits"),
    [
        (
            _spec.SEND,
            {
                "appId": 32,
                "accessToken": 128,
                "requestId": 64,
                "templateCode": 64,
                "redirectUrl": 2048,
                "templates": 5,
                "extendInfo": 4096,
            },
        ),
        (
            _spec.SEND_INBOX,
            {
                "accessToken": 128,
                "authClientId": 128,
                "requestId": 128,
                "templateCode": 256,
                "templates": 5,
                "extendInfo": 4096,
            },
        ),
        (
            _spec.SEND_BY_ACCESS_TOKEN,
            {
                "appId": 32,
                "accessToken": 128,
                "requestId": 64,
                "templateCode": 64,
                "templates": 5,
                "extendInfo": 4096,
            },
        ),
    ],
    ids=lambda e: getattr(e, "name", ""),
)
def test_request_tables_follow_the_endpoint_pages(
    endpoint: _spec.Endpoint, limits: dict[str, int]
) -> None:
    assert {spec.wire: spec.max_length for spec in endpoint.request} == limits


def test_rules_cover_every_field_of_both_sides() -> None:
    for endpoint in _spec.LEGACY_ENDPOINTS.values():
        assert {r.legacy for r in endpoint.rules} - {None} == set(endpoint.request.by_wire)
        assert {r.new for r in endpoint.rules} - {None} == set(_spec.SEND.request.by_wire)


def test_renames_come_from_the_rules() -> None:
    assert _spec.SEND_INBOX.renames == {"authClientId": "appId"}
    assert _spec.SEND_BY_ACCESS_TOKEN.renames == {}


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v2/messages/sendInbox", "sendInbox"),
        ("/api/open/v2/messages/sendInbox", "sendInbox"),
        ("/acl/api/v2/customers/message/sendByAccessToken?x=1", "sendByAccessToken"),
        ("/miniprogram/api/v2/miniprogram/message/send/", "send"),
    ],
)
def test_endpoint_for_path_ignores_wallet_prefixes(path: str, name: str) -> None:
    endpoint = _spec.endpoint_for_path(path)
    assert endpoint is not None
    assert endpoint.name == name


@pytest.mark.parametrize(
    "path", ["/v2/messages/sendInboxes", "/v2/messages/send", "/v2/messages/sendInbox/x"]
)
def test_endpoint_for_path_rejects_near_misses(path: str) -> None:
    assert _spec.endpoint_for_path(path) is None


def test_result_codes_have_known_statuses() -> None:
    for status, _ in _spec.RESULT_CODES.values():
        assert status in _spec.RESULT_STATUSES
