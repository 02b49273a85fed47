"""The raw_http rule: a legacy path and its payload, rewritten together."""

from __future__ import annotations

import hashlib

from .helpers import check_manual, check_noop, check_transformed


def test_path_and_dict_in_the_same_call() -> None:
    check_transformed(
        """\
        import json
        http.request("POST", "https://h/api/open/v2/messages/sendInbox", body=json.dumps({
            "accessToken": token,
            "authClientId": "APP",
            "requestId": "r-1",
            "templateCode": "TP",
            "templates": [{"templateParameters": {"who": name, "pushContentUrl": link}}],
        }))
        """,
        """\
        import json
        http.request("POST", "https://h/api/open/v2/miniprogram/message/send", body=json.dumps({
            "accessToken": token,
            "appId": "APP",
            "requestId": "r-1",
            "templateCode": "TP",
            "redirectUrl": link,
            "templates": [{"templateParameters": {"who": name}}],
        }))
        """,
    )


def test_f_string_path_and_a_name_bound_in_the_function() -> None:
    check_transformed(
        """\
        def push(base, token):
            url = f"{base}/v2/customers/message/sendByAccessToken"
            body = {
                "appId": "A",
                "accessToken": token,
                "requestId": "r-2",
                "templateCode": "T",
                "actionUrl": "/pages/sale",
                "templates": [{"templateParameters": {}}],
            }
            return http.request("POST", url, json=body)
        """,
        """\
        def push(base, token):
            url = f"{base}/v2/miniprogram/message/send"
            body = {
                "appId": "A",
                "accessToken": token,
                "requestId": "r-2",
                "templateCode": "T",
                "redirectUrl": "/pages/sale",
                "templates": [{"templateParameters": {}}],
            }
            return http.request("POST", url, json=body)
        """,
    )


def test_overlong_request_id_is_digested_only_when_asked() -> None:
    source = """\
        post("/v2/messages/sendInbox", {"authClientId": "A", "accessToken": "t", "redirectUrl": "/p",
             "requestId": "%s", "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """ % ("r" * 70)
    check_manual(source, "requestId is 70 characters long (UTF-16 code units); the limit is 64")
    digest = hashlib.sha256(("r" * 70).encode("utf-8")).hexdigest()
    check_transformed(
        source,
        source.replace("r" * 70, digest)
        .replace("/v2/messages/sendInbox", "/v2/miniprogram/message/send")
        .replace('"authClientId"', '"appId"'),
        overlong_request_id="digest",
    )
    # sendByAccessToken's own limit is 64: the shim refuses such a call, digest or not
    check_manual(
        source.replace("/v2/messages/sendInbox", "/v2/customers/message/sendByAccessToken").replace(
            '"authClientId"', '"appId"'
        ),
        "sendByAccessToken: requestId is 70 characters long (UTF-16 code units); the limit is 64",
        overlong_request_id="digest",
    )


def test_template_codes_are_mapped_and_long_ones_reported() -> None:
    source = """\
        post("/v2/messages/sendInbox", {"accessToken": "t", "authClientId": "A", "requestId": "r",
             "templateCode": "%s", "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})
        """ % ("T" * 70)
    check_manual(
        source,
        "templateCode is 70 characters long (UTF-16 code units); the limit is 64 on "
        "/v2/miniprogram/message/send (the legacy limit was 256); map it to the new code with "
        "--template-code OLD=NEW",
    )
    check_transformed(
        source,
        """\
        post("/v2/miniprogram/message/send", {"accessToken": "t", "appId": "A", "requestId": "r",
             "templateCode": "TP_NEW", "redirectUrl": "/p", "templates": [{"templateParameters": {}}]})
        """,
        template_codes={"T" * 70: "TP_NEW"},
    )


def test_the_path_is_never_rewritten_alone() -> None:
    check_manual(
        """\
        def send(payload):
            return http.request("POST", BASE + "/v2/messages/sendInbox", body=payload)
        """,
        "is not a dict literal in this call or a name bound to one in this function",
    )
    check_manual(
        """\
        INBOX = "sendInbox"
        def send(payload):
            return http.request("POST", "/v2/messages/" + INBOX, json={"accessToken": "t"})
        """,
        "built from pieces",
    )


def test_what_the_shim_would_refuse_is_manual() -> None:
    check_manual(
        'post("/v2/messages/sendInbox", {"accessToken": "t", "requestId": "r", "templateCode": "T",'
        ' "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n',
        "sendInbox: authClientId is missing and --app-id is not set",
    )
    check_manual(
        'post("/v2/messages/sendInbox", {"accessToken": "t", "authClientId": "A", "requestId": "r",'
        ' "templateCode": "T", "templates": [{"templateParameters": {}}]})\n',
        "give a top-level redirectUrl, a pushContentUrl template parameter, or --default-redirect-url",
    )
    check_manual(
        'post("/v2/customers/message/sendByAccessToken", {"appId": "A", "accessToken": "t",'
        ' "templateCode": "T", "templates": [{"templateParameters": {"pushContentUrl": "/a"}},'
        ' {"templateParameters": {"pushContentUrl": "/b"}}]})\n',
        "templates[0].templateParameters.pushContentUrl and templates[1].templateParameters.pushContentUrl differ",
    )
    check_manual(
        'post("/v2/customers/message/sendByAccessToken", {"appId": "A", "accessToken": "t",'
        ' "templateCode": "T", "colour": "red", "templates": []})\n',
        "colour is not a known field",
    )
    check_manual(
        'post("/v2/customers/message/sendByAccessToken", {"appId": "A", **extra, "templates": []})\n',
        "unpacks another mapping",
    )
    check_manual(
        "post('/v2/customers/message/sendByAccessToken', {'appId': 'A', 'accessToken': 't',"
        " 'templateCode': 'T', 'templates': [{'templateParameters': {'pushContentUrl': u}} for u in urls]})\n",
        "the templates' loop makes templates that differ where it matters",
    )
    check_manual(
        "post('/v2/customers/message/sendByAccessToken', {'appId': 'A', 'accessToken': 't',"
        " 'templateCode': 'T', 'templates': TEMPLATES})\n",
        "templates is not written out here as a list literal or comprehension",
    )


def test_near_misses_are_left_alone() -> None:
    check_noop('post("/v2/miniprogram/message/send", {"appId": "A"})\n')
    check_noop('post("/v2/messages/sendInboxes", {"authClientId": "A", "accessToken": "t"})\n')
    check_noop('ACCOUNT = {"authClientId": "x", "name": "shop"}\n')
    check_noop("print('no legacy path here')\n")


def test_keep_moved_parameters_and_line_endings() -> None:
    source = (
        'post("/v2/messages/sendInbox", {"accessToken": "t", "authClientId": "A",\r\n'
        '      "requestId": "r", "templateCode": "T",\r\n'
        '      "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\r\n'
    )
    result = check_transformed(
        source,
        'post("/v2/miniprogram/message/send", {"accessToken": "t", "appId": "A",\r\n'
        '      "requestId": "r", "templateCode": "T",\r\n'
        '      "redirectUrl": "/p",\r\n'
        '      "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\r\n',
        keep_moved_parameters=True,
    )
    assert result.rewrites == {"raw_http": 1}


def test_a_module_level_call_never_rewrites_the_module_constant_it_reads() -> None:
    """PATH is the module's: later() (and any module importing it) still posts a legacy
    payload to it, so the call at the top gets the new path written out instead."""
    result = check_transformed(
        """\
        import requests
        PATH = "/v2/messages/sendInbox"
        requests.post("https://h" + PATH, json={"accessToken": "t", "authClientId": "A",
            "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})
        def later(payload):
            return requests.post("https://h" + PATH, json=payload)
        """,
        """\
        import requests
        # compat: migrate manually: PATH is a legacy path also used where it cannot be migrated (in later()); the migrated calls name the new path themselves
        PATH = "/v2/messages/sendInbox"
        requests.post("https://h" + "/v2/miniprogram/message/send", json={"accessToken": "t", "appId": "A",
            "requestId": "r", "templateCode": "T", "redirectUrl": "/p", "templates": [{"templateParameters": {}}]})
        def later(payload):
            # compat: migrate manually: the payload posted to the legacy path is not a dict literal in this call or a name bound to one in this function
            return requests.post("https://h" + PATH, json=payload)
        """,
    )
    assert result.rewrites == {"raw_http": 1}


def test_a_payload_that_is_a_name_of_the_module_is_left() -> None:
    check_manual(
        """\
        import requests
        PAYLOAD = {"accessToken": "t", "authClientId": "A", "requestId": "r",
                   "templateCode": "T", "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]}
        requests.post("https://h/v2/messages/sendInbox", json=PAYLOAD)
        """,
        "PAYLOAD, the payload, is a name of the module, which its functions and other modules "
        "may use too: it is not rewritten in place (build the payload in the call)",
    )


def test_a_part_of_the_payload_bound_to_a_name_is_marked_with_its_call() -> None:
    result = check_manual(
        """\
        def notify(token, name):
            templates = [{"templateParameters": {"who": name, "pushContentUrl": "/p"}}]
            return requests.post("https://h/v2/messages/sendInbox", json={
                "accessToken": token, "authClientId": "A", "requestId": "r",
                "templateCode": "T", "templates": templates})
        """,
        "templates is not written out here as a list literal or comprehension",
    )
    first = result.manual[0]
    assert (first.line, first.reason) == (
        2,
        "this goes with a call in notify() that is left for manual work (see its mark)",
    )


def test_the_names_in_a_payload_it_cannot_read_are_marked_with_its_call() -> None:
    result = check_manual(
        """\
        def notify(token):
            req = InboxRequest(token, "A", [{"templateParameters": {"pushContentUrl": "/p"}}])
            return requests.post("https://h/v2/messages/sendInbox", json=asdict(req))
        """,
        "the payload posted to the legacy path is not a dict literal in this call",
    )
    first = result.manual[0]
    assert (first.line, first.reason) == (
        2,
        "this goes with a call in notify() that is left for manual work (see its mark)",
    )


def test_a_module_constant_bound_again_in_a_block_leaves_the_call_with_why() -> None:
    """Before, the use got the first value written out: with the other value bound (a
    wallet of its own), the migrated call posted to another URL than the shim's."""
    for rebind in (
        'if os.environ.get("WALLET") == "dana":\n    PATH = "/dana/v2/messages/sendInbox"\n',
        "from local_settings import *  # noqa: F403\n",
        "for PATH in ():\n    pass\n",
        "with open(os.devnull) as PATH:\n    pass\n",
        "try:\n    pass\nexcept OSError as PATH:\n    pass\n",
        "OTHER, PATH = 1, os.sep\n",
        "*_, PATH = [os.sep]\n",
    ):
        check_manual(
            f"""\
import os
import requests

PATH = "/v2/messages/sendInbox"
{rebind}

def send(token):
    requests.post("https://w" + PATH, json={{
        "accessToken": token, "authClientId": "A", "requestId": "r", "templateCode": "T",
        "templates": [{{"templateParameters": {{"pushContentUrl": "/p"}}}}]}})
""",
            "PATH holds a legacy path, but the module binds it more than once",
        )


def test_an_import_star_before_the_constant_does_not_rebind_it() -> None:
    check_transformed(
        """\
        from base_settings import *  # noqa: F403
        import requests

        PATH = "/v2/customers/message/sendByAccessToken"


        def send(token):
            requests.post("https://w" + PATH, json={"appId": "A", "accessToken": token,
                "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
        """\
        from base_settings import *  # noqa: F403
        import requests

        # compat: migrate manually: PATH is a legacy path no call here uses any more (they name the new path themselves); other code may still use it: remove it when none does
        PATH = "/v2/customers/message/sendByAccessToken"


        def send(token):
            requests.post("https://w" + "/v2/miniprogram/message/send", json={"appId": "A", "accessToken": token,
                "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
    )
