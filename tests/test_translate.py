"""Every row of the contract's translation tables, and every error."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import attrs
import pytest

from compat import (
    Change,
    CompatError,
    ContentTemplate,
    FieldTooLongError,
    MissingFieldError,
    Policy,
    Result,
    SendByAccessTokenRequest,
    SendByAccessTokenResponse,
    SendInboxRequest,
    SendInboxResponse,
    SendResponse,
    TranslationError,
    TranslationWarning,
    ValidationError,
    translate_response,
    translate_send_by_access_token,
    translate_send_inbox,
)

from .payloads import SEND_BY_ACCESS_TOKEN_SAMPLE, SEND_INBOX_SAMPLE, TOKEN, by_token, inbox

EMOJI = "\N{GRINNING FACE}"  # one character, two UTF-16 code units


def kinds(changes: tuple[Change, ...]) -> list[tuple[str, str]]:
    return [(c.kind, c.field) for c in changes]


# -- sendInbox -----------------------------------------------------------------


def test_send_inbox_sample_translates_field_by_field() -> None:
    translation = translate_send_inbox(inbox())
    assert translation.to_wire() == {
        "appId": "202016726873874774774xxxx",
        "accessToken": TOKEN,
        "requestId": "20191127190741010007013213123xxxx",
        "templateCode": "TP_5800000001xxxx",
        "redirectUrl": "/pages/inbox",
        "templates": [
            {"templateParameters": {"who": "string to represent a name"}, "language": "en-US"}
        ],
        "extendInfo": "This is additional information",
    }
    assert kinds(translation.changes) == [
        ("renamed", "authClientId"),
        ("moved", "templates[0].templateParameters.pushContentUrl"),
    ]
    assert translation.endpoint == "sendInbox"
    assert translation.request.access_token == TOKEN


def test_auth_client_id_absent_uses_policy_app_id() -> None:
    translation = translate_send_inbox(inbox(authClientId=None), Policy(app_id="APP-1"))
    assert translation.request.app_id == "APP-1"
    assert ("defaulted", "appId") in kinds(translation.changes)


def test_auth_client_id_given_wins_over_policy_app_id() -> None:
    translation = translate_send_inbox(inbox(), Policy(app_id="APP-1"))
    assert translation.request.app_id == "202016726873874774774xxxx"


def test_auth_client_id_and_policy_both_absent_is_missing() -> None:
    with pytest.raises(MissingFieldError) as info:
        translate_send_inbox(inbox(authClientId=None))
    assert info.value.endpoint == "sendInbox"
    assert info.value.field == "authClientId"
    assert "Policy.app_id" in str(info.value)
    assert "appId" in str(info.value)


def test_auth_client_id_over_the_app_id_limit_is_too_long() -> None:
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(inbox(authClientId="a" * 33))
    error = info.value
    assert (error.endpoint, error.field, error.limit, error.length) == (
        "sendInbox",
        "authClientId",
        32,
        33,
    )
    assert "33 characters" in str(error)
    assert "limit is 32" in str(error)
    assert "appId" in str(error)


def test_auth_client_id_at_the_app_id_limit_passes() -> None:
    assert translate_send_inbox(inbox(authClientId="a" * 32)).request.app_id == "a" * 32


@pytest.mark.parametrize("length", [1, 63, 64])
def test_request_id_within_64_is_copied(length: int) -> None:
    request_id = "r" * length
    assert translate_send_inbox(inbox(requestId=request_id)).request.request_id == request_id


def test_overlong_request_id_is_an_error_by_default() -> None:
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(inbox(requestId="r" * 65))
    error = info.value
    assert (error.field, error.limit, error.length) == ("requestId", 64, 65)
    assert "legacy limit was 128" in str(error)
    assert 'overlong_request_id="digest"' in str(error)


def test_overlong_request_id_is_digested() -> None:
    request_id = "r" * 100 + EMOJI
    with pytest.warns(TranslationWarning, match="digested requestId") as seen:
        translation = translate_send_inbox(
            inbox(requestId=request_id), Policy(overlong_request_id="digest")
        )
    expected = hashlib.sha256(request_id.encode("utf-8")).hexdigest()
    assert translation.request.request_id == expected
    assert len(expected) == 64
    assert ("digested", "requestId") in kinds(translation.changes)
    assert seen[0].filename == __file__


def test_digest_is_deterministic() -> None:
    policy = Policy(overlong_request_id="digest")
    with pytest.warns(TranslationWarning):
        first = translate_send_inbox(inbox(requestId="x" * 90), policy)
    with pytest.warns(TranslationWarning):
        second = translate_send_inbox(inbox(requestId="x" * 90), policy)
    assert first == second


def test_request_id_over_the_legacy_limit_is_rejected_even_with_digest() -> None:
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(inbox(requestId="r" * 129), Policy(overlong_request_id="digest"))
    assert (info.value.limit, info.value.length) == (128, 129)


def test_send_inbox_request_id_is_required() -> None:
    with pytest.raises(MissingFieldError) as info:
        translate_send_inbox(inbox(requestId=None))
    assert info.value.field == "requestId"


def test_template_code_is_mapped_first() -> None:
    old = "LEGACY_" + "x" * 200
    translation = translate_send_inbox(
        inbox(templateCode=old), Policy(template_codes={old: "TP_NEW"})
    )
    assert translation.request.template_code == "TP_NEW"
    assert ("mapped", "templateCode") in kinds(translation.changes)


def test_template_code_over_64_is_too_long() -> None:
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(inbox(templateCode="T" * 65))
    assert (info.value.field, info.value.limit, info.value.length) == ("templateCode", 64, 65)
    assert "Policy.template_codes" in str(info.value)


def test_template_code_over_the_legacy_limit() -> None:
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(inbox(templateCode="T" * 257))
    assert info.value.limit == 256


def test_template_code_mapped_to_itself_is_not_a_change() -> None:
    translation = translate_send_inbox(
        inbox(), Policy(template_codes={"TP_5800000001xxxx": "TP_5800000001xxxx"})
    )
    assert "mapped" not in [c.kind for c in translation.changes]


@pytest.mark.parametrize(
    ("templates", "error", "message"),
    [
        ([], ValidationError, "has 0 entries; at least 1 required"),
        ([{"templateParameters": {}}] * 6, FieldTooLongError, "has 6 entries; the limit is 5"),
        ({"templateParameters": {}}, ValidationError, "must be an array"),
        ("abc", ValidationError, "must be an array"),
        (["x"], ValidationError, "templates[0] must be a ContentTemplate object, got string"),
        ([{"language": "en"}], MissingFieldError, "templates[0].templateParameters is missing"),
        ([{"templateParameters": {"a": 1}}], ValidationError, "templates[0].templateParameters.a"),
        ([{"templateParameters": {1: "a"}}], ValidationError, "key must be a string"),
        ([{"templateParameters": ["a"]}], ValidationError, "must be an object of strings"),
        ([{"templateParameters": {}, "language": 5}], ValidationError, "templates[0].language"),
    ],
)
def test_templates_are_checked(templates: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        translate_send_inbox(inbox(templates=templates, redirectUrl="/p"))
    assert message in str(info.value)
    assert str(info.value).startswith("sendInbox: ")


def test_five_templates_pass() -> None:
    templates = [{"templateParameters": {"n": str(i)}, "language": f"l{i}"} for i in range(5)]
    translation = translate_send_inbox(inbox(templates=templates, redirectUrl="/p"))
    assert len(translation.request.templates) == 5


def test_push_content_url_moves_to_redirect_url() -> None:
    translation = translate_send_inbox(inbox())
    assert translation.request.redirect_url == "/pages/inbox"
    assert "pushContentUrl" not in translation.request.templates[0].template_parameters


def test_keep_moved_parameters_keeps_push_content_url() -> None:
    translation = translate_send_inbox(inbox(), Policy(keep_moved_parameters=True))
    assert translation.request.redirect_url == "/pages/inbox"
    assert translation.request.templates[0].template_parameters["pushContentUrl"] == "/pages/inbox"


def test_send_inbox_top_level_redirect_url_comes_first() -> None:
    translation = translate_send_inbox(inbox(redirectUrl="/pages/top"))
    assert translation.request.redirect_url == "/pages/top"
    # the differing parameter was not used, so it stays where it was
    assert translation.request.templates[0].template_parameters["pushContentUrl"] == "/pages/inbox"


def test_send_inbox_equal_top_level_and_parameter_move() -> None:
    translation = translate_send_inbox(inbox(redirectUrl="/pages/inbox"))
    assert translation.request.redirect_url == "/pages/inbox"
    assert "pushContentUrl" not in translation.request.templates[0].template_parameters


@pytest.mark.parametrize("key", ["actionUrl", "action_url"])
def test_action_url_is_an_alias_of_redirect_url(key: str) -> None:
    payload = copy.deepcopy(SEND_INBOX_SAMPLE)
    payload[key] = "/pages/action"
    translation = translate_send_inbox(payload)
    assert translation.to_wire()["redirectUrl"] == "/pages/action"
    assert "actionUrl" not in translation.to_wire()
    assert ("renamed", key) in kinds(translation.changes)


def test_redirect_url_falls_back_to_the_policy_default() -> None:
    translation = translate_send_inbox(SEND_INBOX_SAMPLE, Policy(default_redirect_url="/home"))
    assert translation.request.redirect_url == "/home"
    assert ("defaulted", "redirectUrl") in kinds(translation.changes)


def test_send_inbox_without_any_redirect_url_is_missing() -> None:
    with pytest.raises(MissingFieldError) as info:
        translate_send_inbox(SEND_INBOX_SAMPLE)
    assert info.value.field == "redirectUrl"
    assert "INBOX" in str(info.value)


def test_redirect_url_over_2048_is_too_long() -> None:
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(inbox(redirectUrl="/" * 2049))
    assert (info.value.field, info.value.limit) == ("redirectUrl", 2048)


def test_moved_push_content_url_over_2048_is_too_long() -> None:
    payload = inbox()
    payload["templates"][0]["templateParameters"]["pushContentUrl"] = "/" * 2049
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(payload)
    assert (info.value.field, info.value.limit, info.value.length) == ("redirectUrl", 2048, 2049)
    # the message names the field the payload has, as well as the one it becomes
    assert "(the value of templates[0].templateParameters.pushContentUrl, which moves there)" in (
        str(info.value)
    )


@pytest.mark.parametrize("link", ["/" * 2048, "/" + "ก" * 1500])
def test_a_moved_link_within_2048_moves_by_either_way(link: str) -> None:
    """Within the limit, also where counting it takes a second look (over half of it in
    characters): as the payload is, and with snake_case keys (the rules' way)."""
    for payload in (inbox(), inbox(auth_client_id="2021004125637654", authClientId=None)):
        payload["templates"][0]["templateParameters"]["pushContentUrl"] = link
        assert translate_send_inbox(payload).request.redirect_url == link


def test_extend_info_is_copied_and_limited() -> None:
    assert translate_send_inbox(inbox(extendInfo="e" * 4096)).request.extend_info == "e" * 4096
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(inbox(extendInfo="e" * 4097))
    assert (info.value.field, info.value.limit) == ("extendInfo", 4096)


def test_access_token_is_limited_without_showing_it() -> None:
    token = "T0KEN" * 30
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(inbox(accessToken=token))
    assert (info.value.field, info.value.limit, info.value.length) == ("accessToken", 128, 150)
    assert token not in str(info.value)
    assert "T0KEN" not in str(info.value)


@pytest.mark.parametrize(
    ("field", "value", "got"),
    [
        ("accessToken", 12345, "number"),
        ("requestId", ["r"], "array"),
        ("templateCode", {"a": "b"}, "object"),
        ("authClientId", True, "boolean"),
        ("extendInfo", 1.5, "number"),
        ("redirectUrl", 3, "number"),
    ],
)
def test_wrong_types_name_the_field_and_the_type(field: str, value: Any, got: str) -> None:
    with pytest.raises(ValidationError) as info:
        translate_send_inbox(inbox(**{field: value}))
    assert info.value.field == field
    assert f"{field} must be a string, got {got}" in str(info.value)


@pytest.mark.parametrize("field", ["accessToken", "templateCode", "templates"])
def test_required_fields_are_missing(field: str) -> None:
    with pytest.raises(MissingFieldError) as info:
        translate_send_inbox(inbox(**{field: None}))
    assert info.value.field == field


def test_empty_required_string_is_missing() -> None:
    with pytest.raises(MissingFieldError, match="accessToken is empty"):
        translate_send_inbox(inbox(accessToken=""))


def test_unknown_fields_are_rejected_by_default() -> None:
    with pytest.raises(ValidationError) as info:
        translate_send_inbox(inbox(channel="INBOX"))
    assert info.value.field == "channel"
    assert 'unknown_fields="drop"' in str(info.value)


def test_unknown_fields_are_dropped_with_a_warning() -> None:
    payload = inbox(channel="INBOX")
    payload["templates"][0]["style"] = "bold"
    with pytest.warns(TranslationWarning) as seen:
        translation = translate_send_inbox(payload, Policy(unknown_fields="drop"))
    assert ("dropped", "channel") in kinds(translation.changes)
    assert ("dropped", "templates[0].style") in kinds(translation.changes)
    assert "channel" not in translation.to_wire()
    assert len(seen) == 2


def test_unknown_template_field_is_rejected_by_default() -> None:
    payload = inbox()
    payload["templates"][0]["style"] = "bold"
    with pytest.raises(ValidationError) as info:
        translate_send_inbox(payload)
    assert info.value.field == "templates[0].style"


def test_snake_case_keys_are_aliases() -> None:
    snake = {
        "access_token": TOKEN,
        "auth_client_id": "APP",
        "request_id": "r-1",
        "template_code": "TP",
        "templates": [{"template_parameters": {"who": "Ana"}, "language": "en-US"}],
        "redirect_url": "/p",
        "extend_info": "x",
    }
    camel = {
        "accessToken": TOKEN,
        "authClientId": "APP",
        "requestId": "r-1",
        "templateCode": "TP",
        "templates": [{"templateParameters": {"who": "Ana"}, "language": "en-US"}],
        "redirectUrl": "/p",
        "extendInfo": "x",
    }
    assert translate_send_inbox(snake).to_wire() == translate_send_inbox(camel).to_wire()


def test_the_same_field_twice_with_the_same_value_is_fine() -> None:
    payload = inbox(request_id="20191127190741010007013213123xxxx")
    assert translate_send_inbox(payload).request.request_id == payload["requestId"]


def test_the_same_field_twice_with_different_values_is_an_error() -> None:
    with pytest.raises(ValidationError) as info:
        translate_send_inbox(inbox(request_id="other"))
    assert info.value.field == "requestId"
    assert "requestId and request_id" in str(info.value)


def test_none_values_count_as_absent() -> None:
    translation = translate_send_inbox(inbox(extendInfo=None) | {"extendInfo": None})
    assert "extendInfo" not in translation.to_wire()


@pytest.mark.parametrize("field", ["authClientId", "extendInfo", "redirectUrl"])
def test_optional_fields_given_as_none_count_as_absent(field: str) -> None:
    payload = inbox(**{field: "x"})
    payload[field] = None
    translation = translate_send_inbox(payload, Policy(app_id="APP"))
    body = translation.to_wire()
    assert None not in body.values()
    if field == "authClientId":
        assert body["appId"] == "APP"
        assert ("defaulted", "appId") in kinds(translation.changes)


def test_a_legacy_model_translates_like_its_wire_body() -> None:
    model = SendInboxRequest(
        access_token=TOKEN,
        request_id="r-1",
        template_code="TP",
        templates=[ContentTemplate({"who": "Ana", "pushContentUrl": "/p"}, "en-US")],
        auth_client_id="APP",
    )
    from_model = translate_send_inbox(model)
    from_mapping = translate_send_inbox(
        {
            "accessToken": TOKEN,
            "authClientId": "APP",
            "requestId": "r-1",
            "templateCode": "TP",
            "templates": [
                {"templateParameters": {"who": "Ana", "pushContentUrl": "/p"}, "language": "en-US"}
            ],
        }
    )
    assert from_model == from_mapping


def test_content_template_objects_inside_a_mapping() -> None:
    payload = inbox(templates=[ContentTemplate({"who": "Ana"}, "en-US")], redirectUrl="/p")
    assert translate_send_inbox(payload).to_wire()["templates"] == [
        {"templateParameters": {"who": "Ana"}, "language": "en-US"}
    ]


@pytest.mark.parametrize("payload", [None, [], "{}", 3])
def test_a_payload_that_is_not_a_mapping_is_rejected(payload: Any) -> None:
    with pytest.raises(ValidationError, match="must be a mapping"):
        translate_send_inbox(payload)


def test_the_payload_given_is_never_modified() -> None:
    payload = inbox(actionUrl="/pages/inbox", unknown="x")
    before = copy.deepcopy(payload)
    with pytest.warns(TranslationWarning):
        translate_send_inbox(payload, Policy(unknown_fields="drop"))
    assert payload == before


def test_lengths_are_counted_in_utf16_code_units() -> None:
    ok = EMOJI * 32  # 64 code units
    assert translate_send_inbox(inbox(requestId=ok)).request.request_id == ok
    with pytest.raises(FieldTooLongError) as info:
        translate_send_inbox(inbox(requestId=EMOJI * 33))
    assert (info.value.length, info.value.limit) == (66, 64)
    # BMP characters count once
    assert translate_send_inbox(inbox(requestId="é" * 64)).request.request_id == "é" * 64


def test_lone_surrogates_are_refused_not_crashed_on() -> None:
    with pytest.raises(ValidationError, match="requestId has a lone surrogate"):
        translate_send_inbox(inbox(requestId="\ud800" * 65))


# -- sendByAccessToken -----------------------------------------------------------


def test_send_by_access_token_sample_without_request_id_gets_one_generated() -> None:
    with pytest.warns(TranslationWarning, match="generated requestId") as seen:
        translation = translate_send_by_access_token(SEND_BY_ACCESS_TOKEN_SAMPLE)
    body = translation.to_wire()
    assert len(body["requestId"]) == 32
    int(body["requestId"], 16)
    assert body["redirectUrl"] == "http://redirecturl"
    assert body["templates"][0]["templateParameters"] == {
        "who": "string to represent a name, e.g. XiaoMing"
    }
    assert kinds(translation.changes) == [
        ("generated", "requestId"),
        ("moved", "templates[0].templateParameters.pushContentUrl"),
    ]
    assert seen[0].filename == __file__


def test_missing_request_id_can_be_an_error() -> None:
    with pytest.raises(MissingFieldError) as info:
        translate_send_by_access_token(
            SEND_BY_ACCESS_TOKEN_SAMPLE, Policy(missing_request_id="error")
        )
    assert (info.value.endpoint, info.value.field) == ("sendByAccessToken", "requestId")


def test_send_by_access_token_copies_fields() -> None:
    translation = translate_send_by_access_token(by_token(extendInfo="x"))
    body = translation.to_wire()
    assert body["appId"] == "2171xxxxxxxxxxxx"
    assert body["requestId"] == "order-42"
    assert body["extendInfo"] == "x"
    assert list(body) == [
        "appId",
        "accessToken",
        "requestId",
        "templateCode",
        "redirectUrl",
        "templates",
        "extendInfo",
    ]


def test_send_by_access_token_request_id_limit_is_64() -> None:
    with pytest.raises(FieldTooLongError) as info:
        translate_send_by_access_token(by_token(requestId="r" * 65))
    assert (info.value.endpoint, info.value.field, info.value.limit) == (
        "sendByAccessToken",
        "requestId",
        64,
    )


def test_send_by_access_token_app_id_is_required_and_limited() -> None:
    with pytest.raises(MissingFieldError) as info:
        translate_send_by_access_token(by_token(appId=None), Policy(app_id="ignored"))
    assert info.value.field == "appId"
    with pytest.raises(FieldTooLongError) as too_long:
        translate_send_by_access_token(by_token(appId="a" * 33))
    assert (too_long.value.field, too_long.value.limit) == ("appId", 32)


def test_send_by_access_token_template_code_mapping_applies() -> None:
    policy = Policy(template_codes={"2021xxxxxxxxxxxxxxxxxxxxxxxxxxxx": "TP_NEW"})
    assert translate_send_by_access_token(by_token(), policy).request.template_code == "TP_NEW"


def test_different_push_content_urls_are_a_translation_error() -> None:
    templates = [
        {"templateParameters": {"pushContentUrl": "/a"}, "language": "en-US"},
        {"templateParameters": {"pushContentUrl": "/b"}, "language": "th-TH"},
    ]
    for translate, payload in (
        (translate_send_by_access_token, by_token(templates=templates)),
        (translate_send_inbox, inbox(templates=templates)),
    ):
        with pytest.raises(TranslationError) as info:
            translate(payload)
        assert info.value.field == "templates[1].templateParameters.pushContentUrl"
        assert "templates[0].templateParameters.pushContentUrl" in str(info.value)


def test_equal_push_content_urls_in_every_template_move_once() -> None:
    templates = [
        {"templateParameters": {"pushContentUrl": "/a", "n": "1"}, "language": "en-US"},
        {"templateParameters": {"pushContentUrl": "/a", "n": "2"}, "language": "th-TH"},
        {"templateParameters": {"n": "3"}},
    ]
    translation = translate_send_by_access_token(by_token(templates=templates))
    assert translation.request.redirect_url == "/a"
    assert [dict(t.template_parameters) for t in translation.request.templates] == [
        {"n": "1"},
        {"n": "2"},
        {"n": "3"},
    ]
    assert [c.kind for c in translation.changes] == ["moved", "moved"]


@pytest.mark.parametrize("key", ["redirectUrl", "actionUrl"])
def test_different_top_level_redirect_is_a_translation_error(key: str) -> None:
    with pytest.raises(TranslationError) as info:
        translate_send_by_access_token(by_token(**{key: "/other"}))
    assert info.value.field == "redirectUrl"


def test_equal_top_level_redirect_is_fine() -> None:
    translation = translate_send_by_access_token(by_token(redirectUrl="http://redirecturl"))
    assert translation.request.redirect_url == "http://redirecturl"


def test_send_by_access_token_without_redirect_omits_it_or_uses_default() -> None:
    payload = by_token(templates=[{"templateParameters": {"who": "Ana"}}])
    assert "redirectUrl" not in translate_send_by_access_token(payload).to_wire()
    policy = Policy(default_redirect_url="/home")
    assert translate_send_by_access_token(payload, policy).request.redirect_url == "/home"


def test_send_by_access_token_model_is_accepted() -> None:
    model = SendByAccessTokenRequest(
        "APP", TOKEN, "TP", [ContentTemplate({"who": "Ana"})], request_id="r-1"
    )
    assert translate_send_by_access_token(model).request.request_id == "r-1"


def test_a_model_of_the_other_endpoint_is_rejected() -> None:
    model = SendByAccessTokenRequest("APP", TOKEN, "TP", [ContentTemplate({})], request_id="r")
    with pytest.raises(ValidationError, match="must be a mapping"):
        translate_send_inbox(model)  # type: ignore[arg-type]


# -- Policy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"app_id": "a" * 33}, ValueError, "Policy.app_id is 33 characters long"),
        ({"app_id": 5}, TypeError, "Policy.app_id must be a string"),
        ({"default_redirect_url": "/" * 2049}, ValueError, "limit of redirectUrl is 2048"),
        ({"overlong_request_id": "truncate"}, ValueError, "overlong_request_id"),
        ({"missing_request_id": "skip"}, ValueError, "missing_request_id"),
        ({"unknown_fields": "keep"}, ValueError, "unknown_fields"),
        ({"template_codes": {"OLD": "N" * 65}}, ValueError, "limit of templateCode is 64"),
        ({"template_codes": {"OLD": 1}}, TypeError, "strings to strings"),
    ],
)
def test_policy_rejects_bad_settings(kwargs: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        Policy(**kwargs)


def test_policy_is_immutable_and_evolvable() -> None:
    codes = {"A": "B"}
    policy = Policy(template_codes=codes)
    codes["A"] = "C"
    assert policy.template_codes["A"] == "B"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.app_id = "x"  # type: ignore[misc]
    evolved = attrs.evolve(policy, app_id="APP")
    assert (evolved.app_id, evolved.template_codes) == ("APP", policy.template_codes)
    assert hash(policy) == hash(Policy(template_codes={"A": "X"}))
    assert policy == Policy(template_codes={"A": "B"})


# -- responses -------------------------------------------------------------------

OK = Result("S", "SUCCESS", "success")


def test_send_inbox_response_keeps_message_id_and_extend_info() -> None:
    response = SendResponse(OK, message_id="m-1", extend_info="x")
    assert translate_response("sendInbox", response) == SendInboxResponse(OK, "m-1", "x")


def test_send_inbox_response_never_invents_a_message_id() -> None:
    assert translate_response("sendInbox", SendResponse(OK)).message_id is None


def test_send_by_access_token_response_keeps_result_and_extend_info() -> None:
    response = SendResponse(OK, message_id="m-1", extend_info="x")
    assert translate_response("sendByAccessToken", response) == SendByAccessTokenResponse(OK, "x")


def test_translate_response_takes_wire_bodies_and_paths() -> None:
    body = {"result": {"resultStatus": "F", "resultCode": "PARAM_ILLEGAL"}, "messageId": "m"}
    legacy = translate_response("/api/open/v2/messages/sendInbox", body)
    assert legacy == SendInboxResponse(Result("F", "PARAM_ILLEGAL"), "m")


@pytest.mark.parametrize("endpoint", ["send", "/v2/miniprogram/message/send", "inbox"])
def test_translate_response_rejects_other_endpoints(endpoint: str) -> None:
    with pytest.raises(TranslationError, match="sendInbox"):
        translate_response(endpoint, SendResponse(OK))


# -- properties of every error ---------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        inbox(accessToken="x" * 200),
        inbox(requestId="r" * 65),
        inbox(authClientId=None),
        inbox(unknown=1),
        inbox(templates=[]),
        inbox(accessToken=5),
    ],
)
def test_errors_are_compat_errors_raised_before_anything_and_hide_the_token(
    payload: dict[str, Any],
) -> None:
    with pytest.raises(CompatError) as info:
        translate_send_inbox(payload)
    assert TOKEN not in str(info.value)
    assert str(info.value).startswith("sendInbox: ")


def test_the_codemod_writes_out_what_the_translator_does_for_a_missing_request_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``GENERATED_REQUEST_ID`` is the code of ``new_request_id``: the same value, evaluated."""
    import uuid

    from compat.translate import GENERATED_REQUEST_ID, new_request_id

    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=7))
    module, code = GENERATED_REQUEST_ID
    assert eval(code, {module: __import__(module)}) == new_request_id()
