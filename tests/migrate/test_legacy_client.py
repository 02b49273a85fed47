"""The legacy_client rule: LegacyClient's legacy calls become MessageClient.send calls."""

from __future__ import annotations

import textwrap

import pytest

from compat.migrate import Options, migrate_source

from .helpers import check_manual, check_noop, check_transformed, options


def test_whole_module_becomes_message_client() -> None:
    check_transformed(
        """\
        from compat import LegacyClient

        client = LegacyClient("https://h/api/open", "c-1")

        def notify(token):
            response = client.send_inbox({
                "accessToken": token,
                "authClientId": "APP",
                "requestId": "r-1",
                "templateCode": "TP",
                "templates": [{"templateParameters": {"pushContentUrl": "/p"}}],
            })
            return response.message_id
        """,
        """\
        from compat import MessageClient

        client = MessageClient("https://h/api/open", "c-1")

        def notify(token):
            response = client.send({
                "accessToken": token,
                "appId": "APP",
                "requestId": "r-1",
                "templateCode": "TP",
                "redirectUrl": "/p",
                "templates": [{"templateParameters": {}}],
            })
            return response.message_id
        """,
    )


def test_alias_keeps_its_name_and_module_attribute_is_renamed() -> None:
    check_transformed(
        """\
        import compat
        from compat import LegacyClient as LC

        def run(client: compat.LegacyClient, token):
            client.send_by_access_token(app_id="APP", access_token=token, request_id="r",
                                        template_code="T", templates=[{"templateParameters": {}}])

        with LC("https://h", "c") as c:
            run(c, "t")
        """,
        """\
        import compat
        from compat import MessageClient as LC

        def run(client: compat.MessageClient, token):
            client.send({"appId": "APP", "accessToken": token, "requestId": "r",
                                        "templateCode": "T", "templates": [{"templateParameters": {}}]})

        with LC("https://h", "c") as c:
            run(c, "t")
        """,
    )


def test_post_becomes_to_wire_of_send() -> None:
    check_transformed(
        """\
        import compat

        client = compat.LegacyClient("https://h", "c")
        answer = client.post("/api/open/v2/messages/sendInbox", {
            "accessToken": "t", "authClientId": "A", "requestId": "r", "templateCode": "T",
            "templates": [{"templateParameters": {"pushContentUrl": "/p"}}],
        })["result"]
        """,
        """\
        import compat

        client = compat.MessageClient("https://h", "c")
        answer = compat.to_wire(client.send({
            "accessToken": "t", "appId": "A", "requestId": "r", "templateCode": "T",
            "redirectUrl": "/p",
            "templates": [{"templateParameters": {}}],
        }))["result"]
        """,
    )


def test_an_unproven_receiver_is_left_as_it_is() -> None:
    check_manual(
        """\
        from compat import LegacyClient

        def notify(client, token):
            payload = {"appId": "A", "accessToken": token, "requestId": "r",
                       "templateCode": "T", "templates": [{"templateParameters": {}}]}
            return client.send_by_access_token(payload)
        """,
        "client is not provably a compat.LegacyClient",
    )


def test_an_in_house_post_is_a_raw_call_not_the_shim() -> None:
    check_transformed(
        """\
        from compat import LegacyClient

        class Wallet:
            def post(self, path, body): ...

        wallet = Wallet()
        wallet.post("/v2/customers/message/sendByAccessToken", {"appId": "A", "accessToken": "t",
                    "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
        """\
        # compat: migrate manually: LegacyClient is still used here: make each client a MessageClient where it is built once no legacy method is called on it (migrated calls go through .client.send)
        from compat import LegacyClient

        class Wallet:
            def post(self, path, body): ...

        wallet = Wallet()
        wallet.post("/v2/miniprogram/message/send", {"appId": "A", "accessToken": "t",
                    "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
    )


def test_the_clients_policy_applies_and_the_cli_policy_does_not() -> None:
    check_transformed(
        """\
        from compat import LegacyClient, Policy

        client = LegacyClient("https://h", "c", policy=Policy(
            template_codes={"TP_CART_REMINDER_V1": "TP_CART_REMINDER"}, app_id="APP9",
            default_redirect_url="/pages/cart"))
        client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "TP_CART_REMINDER_V1",
                           "templates": [{"templateParameters": {}}]})
        """,
        """\
        from compat import MessageClient

        client = MessageClient("https://h", "c")
        client.send({"appId": "APP9", "accessToken": "t", "requestId": "r", "templateCode": "TP_CART_REMINDER",
                           "redirectUrl": "/pages/cart",
                           "templates": [{"templateParameters": {}}]})
        """,
        app_id="CLI",
        default_redirect_url="/cli",
        template_codes={"TP_CART_REMINDER_V1": "CLI"},
    )


def test_a_policy_constant_and_an_alias() -> None:
    check_transformed(
        """\
        import compat
        from compat import LegacyClient as LC, Policy as P

        POLICY = P(app_id="APP9")
        client = LC("https://h", "c", policy=POLICY)
        client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "T",
                           "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})
        """,
        """\
        import compat
        from compat import MessageClient as LC, Policy as P

        POLICY = P(app_id="APP9")
        client = LC("https://h", "c")
        client.send({"appId": "APP9", "accessToken": "t", "requestId": "r", "templateCode": "T",
                           "redirectUrl": "/p",
                           "templates": [{"templateParameters": {}}]})
        """,
    )


@pytest.mark.parametrize(
    ("imports", "left", "kept"),
    [
        # the import of Policy goes, or the statement with it; a name still read stays
        ("from compat import Policy\nfrom compat import LegacyClient\n", "", "MessageClient"),
        ("from compat import (\n    Policy,\n    LegacyClient,\n)\n", "", "MessageClient"),
        ("from compat import Policy, LegacyClient\n", "def f(p: 'Policy'): ...\n", "Policy"),
        ("from compat import Policy, LegacyClient\n", "__all__ = ['Policy']\n", "Policy"),
        ("from compat import Policy, LegacyClient\n", "DEFAULT = Policy()\n", "Policy"),
    ],
)
def test_the_policy_import_goes_when_nothing_else_reads_it(
    imports: str, left: str, kept: str
) -> None:
    source = (
        f'{imports}client = LegacyClient("https://h", "c", policy=Policy(app_id="A"))\n{left}'
        'client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "T",'
        ' "redirectUrl": "/p", "templates": [{"templateParameters": {}}]})\n'
    )
    result = migrate_source(source, options())
    assert 'client = MessageClient("https://h", "c")\n' in result.source
    imported = "".join(line for line in result.source.splitlines(True) if "import" in line)
    assert ("Policy" in imported) == (kept == "Policy")
    assert "LegacyClient" not in result.source
    compile(result.source, "<migrated>", "exec")
    assert migrate_source(result.source, options()).changed is False


def test_the_comments_above_a_removed_import_stay() -> None:
    """Removing ``from compat import Policy`` keeps the comments and blank lines above
    it (its own trailing comment, about it, goes with it)."""
    check_transformed(
        """\
        import os

        # The wallet client: every notification goes through it.
        from compat import Policy  # for the client below
        from compat import LegacyClient

        client = LegacyClient("https://h", "c", policy=Policy(app_id="A"))
        client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "T",
                           "redirectUrl": "/p", "templates": [{"templateParameters": {}}]})
        """,
        """\
        import os

        # The wallet client: every notification goes through it.
        from compat import MessageClient

        client = MessageClient("https://h", "c")
        client.send({"appId": "A", "accessToken": "t", "requestId": "r", "templateCode": "T",
                           "redirectUrl": "/p", "templates": [{"templateParameters": {}}]})
        """,
    )
    # the last statement of the module: its comments end the module
    source = textwrap.dedent(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c", policy=Policy(app_id="A"))
        client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "T",
                           "redirectUrl": "/p", "templates": [{"templateParameters": {}}]})

        # kept for the plugins that import it from here
        from compat import Policy
        """
    )
    out = migrate_source(source, options()).source
    assert out.endswith("})\n\n# kept for the plugins that import it from here\n"), out


def test_a_shim_without_policy_gets_no_cli_defaults() -> None:
    check_manual(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "OLD",
                           "templates": [{"templateParameters": {}}]})
        """,
        "authClientId is missing and Policy.app_id is not set",
        app_id="APP",
        default_redirect_url="/home",
    )


def test_a_policy_the_source_does_not_fix_is_manual() -> None:
    check_manual(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c", policy=settings.POLICY)
        client.send_by_access_token({"appId": "A", "accessToken": "t", "requestId": "r",
                                     "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
        "the client's policy (settings.POLICY) is not fixed by the source",
    )
    check_manual(
        """\
        from compat import LegacyClient, Policy
        client = LegacyClient("https://h", "c", policy=Policy(app_id=APP))
        client.send_by_access_token({"appId": "A", "accessToken": "t", "requestId": "r",
                                     "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
        "the client's policy (Policy(app_id=APP)) is not fixed by the source",
    )


def test_a_policy_built_from_a_settings_dict_of_the_module_is_read() -> None:
    check_transformed(
        """\
        from compat import LegacyClient, Policy

        COMPAT_POLICY = {"app_id": "APP9", "template_codes": {"T": "T2"}}
        client = LegacyClient("https://h", "c", policy=Policy(**COMPAT_POLICY))
        client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "T",
                           "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})
        """,
        """\
        from compat import MessageClient

        COMPAT_POLICY = {"app_id": "APP9", "template_codes": {"T": "T2"}}
        client = MessageClient("https://h", "c")
        client.send({"appId": "APP9", "accessToken": "t", "requestId": "r", "templateCode": "T2",
                           "redirectUrl": "/p",
                           "templates": [{"templateParameters": {}}]})
        """,
    )


@pytest.mark.parametrize(
    "settings",
    [
        # changed where the module is imported, or by a function
        'COMPAT_POLICY = {"app_id": "APP9"}\nCOMPAT_POLICY["app_id"] = os.environ["APP"]\n',
        'COMPAT_POLICY = {"app_id": "APP9"}\n\ndef setup(app):\n    COMPAT_POLICY.update(app)\n',
        # bound twice, or to what is not all literals
        'COMPAT_POLICY = {"app_id": "APP9"}\nCOMPAT_POLICY = {"app_id": "APP8"}\n',
        'COMPAT_POLICY = {"app_id": os.environ["APP"]}\n',
        'COMPAT_POLICY = {"app_id": "APP9", **BASE}\n',
        "COMPAT_POLICY = settings.POLICY\n",
        # given twice: the call raises
        'COMPAT_POLICY = {"app_id": "APP9"}\nPOLICY_ARGS = {"app_id": "APP9"}\n',
    ],
    ids=["item-set", "updated", "bound-twice", "not-literal", "spread", "not-a-dict", "twice"],
)
def test_a_settings_dict_the_source_does_not_fix_leaves_the_policy_unknown(settings: str) -> None:
    spread = "**COMPAT_POLICY, **POLICY_ARGS" if "POLICY_ARGS" in settings else "**COMPAT_POLICY"
    source = (
        f"import os\nfrom compat import LegacyClient, Policy\n\n{settings}\n"
        f'client = LegacyClient("https://h", "c", policy=Policy({spread}))\n'
        'client.send_by_access_token({"appId": "A", "accessToken": "t", "requestId": "r",\n'
        '    "templateCode": "T", "templates": [{"templateParameters": {}}]})\n'
    )
    check_manual(source, f"the client's policy (Policy({spread})) is not fixed by the source")


def test_a_policy_that_raises_when_built_says_so() -> None:
    # every value is a literal, so the source fixes the policy: it is one Policy refuses
    check_manual(
        """\
        from compat import LegacyClient, Policy
        client = LegacyClient("https://h", "c", policy=Policy(overlong_request_id="truncate"))
        client.send_by_access_token({"appId": "A", "accessToken": "t", "requestId": "r",
                                     "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
        'the client\'s policy (Policy(overlong_request_id="truncate")) raises when it is '
        "built: 'overlong_request_id' must be in ('error', 'digest') (got 'truncate')",
    )
    check_manual(
        """\
        from compat import LegacyClient, Policy
        client = LegacyClient("https://h", "c", policy=Policy(app="A"))
        client.send_by_access_token({"appId": "A", "accessToken": "t", "requestId": "r",
                                     "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
        'the client\'s policy (Policy(app="A")) raises when it is built: ',
    )


def test_self_attribute_clients_are_proven_by_their_class() -> None:
    check_transformed(
        """\
        from compat import LegacyClient, Policy

        class Notifier:
            def __init__(self, base):
                self.client = LegacyClient(base, "c", policy=Policy(app_id="APP"))

            def ping(self, token):
                return self.client.send_inbox(access_token=token, request_id="r", template_code="T",
                                              templates=[{"templateParameters": {"pushContentUrl": "/p"}}]).result
        """,
        """\
        from compat import MessageClient

        class Notifier:
            def __init__(self, base):
                self.client = MessageClient(base, "c")

            def ping(self, token):
                return self.client.send({"appId": "APP", "accessToken": token, "requestId": "r", "templateCode": "T",
                                              "redirectUrl": "/p",
                                              "templates": [{"templateParameters": {}}]}).result
        """,
    )


def test_a_client_that_escapes_keeps_the_legacy_client() -> None:
    result = check_transformed(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        register(client)
        client.send_by_access_token({"appId": "A", "accessToken": "t", "requestId": "r",
                                     "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
        """\
        # compat: migrate manually: LegacyClient is still used here: make each client a MessageClient where it is built once no legacy method is called on it (migrated calls go through .client.send)
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        register(client)
        client.client.send({"appId": "A", "accessToken": "t", "requestId": "r",
                                     "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
    )
    assert result.rewrites == {"legacy_client": 1}


def test_missing_request_id_is_generated_as_the_shim_does() -> None:
    check_transformed(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        client.send_by_access_token({"appId": "A", "accessToken": "t", "templateCode": "T",
                                     "templates": [{"templateParameters": {}}]})
        """,
        """\
        import uuid

        from compat import MessageClient
        client = MessageClient("https://h", "c")
        client.send({"appId": "A", "accessToken": "t", "requestId": uuid.uuid4().hex, "templateCode": "T",
                                     "templates": [{"templateParameters": {}}]})
        """,
    )


def test_noop_without_compat_or_on_other_methods() -> None:
    check_noop(
        """\
        def f(mailbox):
            mailbox.send_inbox({"authClientId": "x", "accessToken": "t", "templateCode": "T"})
        """
    )
    check_noop(
        """\
        import compat
        client = compat.MessageClient("https://h", "c")
        client.send({"appId": "A"})
        client.post("/v2/miniprogram/message/send", {})
        """
    )


def test_shadowed_or_unknown_payloads_are_manual() -> None:
    check_manual(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        def f(payload):
            client.send_inbox(payload)
        """,
        "not a dict literal here or a name bound to one",
    )
    check_manual(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        def f():
            payload = {"appId": "A"}
            payload["accessToken"] = "t"
            client.send_by_access_token(payload)
        """,
        "not a dict literal here or a name bound to one",
    )
    check_manual(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        client.send_inbox(**fields)
        """,
        "not the legacy fields as keywords",
    )


def test_a_payload_that_is_a_name_of_the_module_is_left() -> None:
    check_manual(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h/api/open", "c-1")
        PAYLOAD = {"accessToken": "t", "authClientId": "A", "requestId": "r",
                   "templateCode": "T", "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]}
        client.send_inbox(PAYLOAD)
        """,
        "PAYLOAD, the payload, is a name of the module",
    )


def test_a_payload_without_a_request_id_sent_in_a_loop_is_left() -> None:
    check_manual(
        """\
        from compat import LegacyClient

        client = LegacyClient("https://h", "c")

        def blast(tokens):
            payload = {"appId": "APP", "accessToken": "t", "templateCode": "T",
                       "templates": [{"templateParameters": {}}]}
            for _ in tokens:
                client.send_by_access_token(payload)
        """,
        "the payload has no requestId, and the shim gives each send one of its own; "
        "here payload is built once, before a loop that sends it",
    )


def test_a_payload_passed_on_before_it_is_sent_is_left() -> None:
    check_manual(
        """\
        from compat import LegacyClient

        client = LegacyClient("https://h", "c")

        def notify(enrich):
            payload = {"appId": "APP", "accessToken": "t", "requestId": "r", "templateCode": "T",
                       "templates": [{"templateParameters": {}}]}
            enrich(payload)
            return client.send_by_access_token(payload)
        """,
        "payload, the payload, is also used elsewhere in notify() (passed on, given another "
        "name, or changed there)",
    )


def test_a_client_built_with_spread_options_has_no_known_policy() -> None:
    check_manual(
        """\
        from compat import LegacyClient

        client = LegacyClient("https://h", "c", **SETTINGS)

        def notify():
            return client.send_by_access_token({"appId": "APP", "accessToken": "t",
                "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """,
        "client is built with **SETTINGS, which may hold its policy",
    )


# -- the answer: the legacy shape where it may be told apart ---------------------------

INBOX_CALL = (
    'client.send_inbox({"accessToken": "t", "authClientId": "A", "requestId": "r", '
    '"templateCode": "T", "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})'
)
INBOX_SEND = (
    'client.send({"accessToken": "t", "appId": "A", "requestId": "r", "templateCode": "T", '
    '"redirectUrl": "/p", "templates": [{"templateParameters": {}}]})'
)
TOKEN_POST = (
    'client.post("/v2/customers/message/sendByAccessToken", {"appId": "A", "accessToken": "t", '
    '"requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})'
)
TOKEN_SEND = (
    'client.send({"appId": "A", "accessToken": "t", "requestId": "r", "templateCode": "T", '
    '"templates": [{"templateParameters": {}}]})'
)


@pytest.mark.parametrize(
    ("use", "kept"),
    [
        ("{call}", False),  # dropped
        ("status = {call}.result.result_status", False),
        ("response = {call}\n    return response.message_id, response.result", False),
        ("return {call}", True),  # the caller may tell them apart
        ("response = {call}\n    assert isinstance(response, SendInboxResponse)", True),
        ("response = {call}\n    return to_wire(response)", True),
        ("response = {call}\n    log(response.result)\n    return response", True),
        ("responses.append({call})", True),
        ("response = other = {call}", True),  # not one name's one binding
    ],
)
def test_the_answer_keeps_its_legacy_shape_where_it_is_used_as_a_whole(
    use: str, kept: bool
) -> None:
    source = f"from compat import LegacyClient\nclient = LegacyClient('h', 'c')\ndef f():\n    {use.format(call=INBOX_CALL)}\n"
    out = migrate_source(source, options()).source
    sent = f'translate_response("sendInbox", {INBOX_SEND})' if kept else INBOX_SEND
    assert f"    {use.format(call=sent)}\n" in out, out
    assert ("from compat import MessageClient, translate_response\n" in out) is kept, out


@pytest.mark.parametrize(
    ("use", "kept"),
    [
        ('status = {call}["result"]["resultStatus"]', False),
        ('answer = {call}\n    return answer.get("result"), answer["extendInfo"]', False),
        # the legacy answer has no messageId: the new one has
        ('answer = {call}\n    return answer.get("messageId")', True),
        ("return {call}", True),
    ],
)
def test_the_answer_of_post_keeps_its_legacy_keys(use: str, kept: bool) -> None:
    source = f"import compat\nclient = compat.LegacyClient('h', 'c')\ndef f():\n    {use.format(call=TOKEN_POST)}\n"
    out = migrate_source(source, options()).source
    send = f'compat.translate_response("sendByAccessToken", {TOKEN_SEND})' if kept else TOKEN_SEND
    assert f"    {use.format(call=f'compat.to_wire({send})')}\n" in out, out


def test_the_answer_at_module_level_keeps_its_shape() -> None:
    """A module's names are read by other modules: its answer is kept as the shim's."""
    source = f"from compat import LegacyClient\nclient = LegacyClient('h', 'c')\nresponse = {INBOX_CALL}\n"
    out = migrate_source(source, options()).source
    assert f'response = translate_response("sendInbox", {INBOX_SEND})\n' in out, out


def test_names_compat_adds_go_in_a_statement_of_their_own_beside_a_parenthesized_import() -> None:
    source = (
        '"""Notifications."""\nfrom compat import (\n    LegacyClient,\n)\n'
        f"client = LegacyClient('h', 'c')\ndef f():\n    return {INBOX_CALL}\n"
    )
    out = migrate_source(source, options()).source
    assert out.startswith(
        '"""Notifications."""\nfrom compat import (\n    MessageClient,\n)\n'
        "from compat import translate_response\n"
    ), out


def test_a_dropped_last_argument_leaves_the_closing_parenthesis_where_it_was() -> None:
    check_transformed(
        """\
        from compat import LegacyClient, Policy

        client = LegacyClient(
            "https://h", "c", policy=Policy(app_id="A")
        )
        client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "T",
                           "redirectUrl": "/p", "templates": [{"templateParameters": {}}]})
        """,
        """\
        from compat import MessageClient

        client = MessageClient(
            "https://h", "c"
        )
        client.send({"appId": "A", "accessToken": "t", "requestId": "r", "templateCode": "T",
                           "redirectUrl": "/p", "templates": [{"templateParameters": {}}]})
        """,
    )


def test_a_shim_import_that_keeps_another_shim_is_marked_once_and_for_good() -> None:
    """The import changes (LegacyClient goes) but still imports TranslatingPoolManager: it
    is marked on the first run, as on a rerun (which changes nothing)."""
    check_transformed(
        """\
        import json
        from compat import LegacyClient, Policy, TranslatingPoolManager

        client = LegacyClient("https://h", "c", policy=Policy(app_id="A1", default_redirect_url="/r"))
        http = TranslatingPoolManager(policy=Policy(app_id="A1"))


        def shipped(token):
            client.send_inbox({"accessToken": token, "requestId": "r-1", "templateCode": "T",
                               "templates": [{"templateParameters": {}}]})


        def promo(token):
            payload = {"accessToken": token, "requestId": "r-2", "templateCode": "P",
                       "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]}
            return http.request("POST", "https://h/v2/messages/sendInbox", body=json.dumps(payload))
        """,
        """\
        import json
        # compat: migrate manually: compat's drop-in shim is still used here: once no legacy call goes through it, use MessageClient (or urllib3.PoolManager for a TranslatingPoolManager)
        from compat import MessageClient, Policy, TranslatingPoolManager

        client = MessageClient("https://h", "c")
        http = TranslatingPoolManager(policy=Policy(app_id="A1"))


        def shipped(token):
            client.send({"appId": "A1", "accessToken": token, "requestId": "r-1", "templateCode": "T",
                               "redirectUrl": "/r",
                               "templates": [{"templateParameters": {}}]})


        def promo(token):
            payload = {"appId": "A1", "accessToken": token, "requestId": "r-2", "templateCode": "P",
                       "redirectUrl": "/p",
                       "templates": [{"templateParameters": {}}]}
            return http.request("POST", "https://h/v2/miniprogram/message/send", body=json.dumps(payload))
        """,
    )


def test_a_subclass_of_the_shim_says_so() -> None:
    source = """\
        from compat import LegacyClient, Policy


        class Wallet(LegacyClient):
            def welcome(self, token):
                return self.send_by_access_token({"appId": "A", "accessToken": token,
                    "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})


        def main(token):
            client = Wallet("https://h", "c", policy=Policy())
            client.send_by_access_token({"appId": "A", "accessToken": token,
                "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})
            other = make_client()
            other.send_by_access_token({"appId": "A", "accessToken": token,
                "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})
        """
    result = check_manual(
        source,
        "self is a Wallet, a subclass of compat.LegacyClient this module defines, which may "
        "change what the shim sends: migrate the class and its calls by hand",
    )
    reasons = [site.reason for site in result.manual]
    assert any(r.startswith("client is a Wallet, a subclass") for r in reasons)
    assert any(r.startswith("other is not provably a compat.LegacyClient") for r in reasons)


@pytest.mark.parametrize(
    "payload",
    [
        "compat.SendByAccessTokenRequest(app_id='A', access_token=token, template_code='T',"
        " templates=[])",
        "request",
    ],
)
def test_a_payload_built_as_a_compat_model_says_so(payload: str) -> None:
    check_manual(
        f"""\
        import compat

        client = compat.LegacyClient("https://h", "c")


        def push(token):
            request = compat.SendByAccessTokenRequest(
                app_id="A", access_token=token, template_code="T", templates=[]
            )
            return client.send_by_access_token({payload})
        """,
        "the payload is a compat.SendByAccessTokenRequest, which compat migrate does not read",
    )


@pytest.mark.parametrize(
    ("policy", "fixed"),
    [
        ("Policy(*ARGS)", False),
        ("Policy(**settings.COMPAT_POLICY)", False),
        # another object's attribute of the same name is not the dict
        ("Policy(**COMPAT_POLICY)", True),
    ],
)
def test_what_a_policy_call_spreads_is_read_only_from_a_dict_of_the_module(
    policy: str, fixed: bool
) -> None:
    source = (
        "from compat import LegacyClient, Policy\n\n"
        'COMPAT_POLICY = {"app_id": "APP9"}\nARGS = ("APP9",)\n'
        "settings.COMPAT_POLICY = {}\n"
        f'client = LegacyClient("https://h", "c", policy={policy})\n'
        'client.send_by_access_token({"appId": "A", "accessToken": "t", "requestId": "r",\n'
        '    "templateCode": "T", "templates": [{"templateParameters": {}}]})\n'
    )
    result = migrate_source(source, Options())
    assert bool(result.rewrites) is fixed, result.manual


SHIM_CALL = """\
from compat import LegacyClient, Policy
{setup}
client = LegacyClient("https://h", "c", policy=Policy(app_id={app_id}))
client.send_inbox({{"accessToken": "t", "requestId": "r", "templateCode": "T",
                   "templates": [{{"templateParameters": {{"pushContentUrl": "/p"}}}}]}})
"""


def test_a_policy_of_a_module_constant_bound_once_is_read() -> None:
    source = SHIM_CALL.format(setup='APP_ID = "APP9"\n', app_id="APP_ID")
    result = migrate_source(source, options())
    assert result.rewrites == {"legacy_client": 1}, result.manual
    assert '"appId": "APP9"' in result.source


@pytest.mark.parametrize(
    "setup",
    [
        'APP_ID = "APP9"\nif __debug__:\n    APP_ID = "APP8"\n',  # bound again
        'import os\nAPP_ID = os.environ["APP_ID"]\n',  # not a literal
    ],
)
def test_a_policy_of_a_constant_the_source_does_not_fix_is_manual(setup: str) -> None:
    check_manual(
        SHIM_CALL.format(setup=setup, app_id="APP_ID"),
        "the client's policy (Policy(app_id=APP_ID)) is not fixed by the source",
    )


def test_a_policy_of_a_parameter_named_as_a_constant_is_manual() -> None:
    check_manual(
        """\
        from compat import LegacyClient, Policy
        APP_ID = "APP9"
        def send(APP_ID):
            client = LegacyClient("https://h", "c", policy=Policy(app_id=APP_ID))
            client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "T",
                               "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})
        """,
        "the client's policy (Policy(app_id=APP_ID)) is not fixed by the source",
    )
