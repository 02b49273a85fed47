"""The legacy_client rule: LegacyClient's legacy calls become MessageClient.send calls."""

from __future__ import annotations

from .helpers import check_manual, check_noop, check_transformed


def test_whole_module_becomes_message_client() -> None:
    check_transformed(
        """\
        from compat import LegacyClient

        client = LegacyClient("https://h/api/open", "c-1")

        def notify(token):
            return client.send_inbox({
                "accessToken": token,
                "authClientId": "APP",
                "requestId": "r-1",
                "templateCode": "TP",
                "templates": [{"templateParameters": {"pushContentUrl": "/p"}}],
            })
        """,
        """\
        from compat import MessageClient

        client = MessageClient("https://h/api/open", "c-1")

        def notify(token):
            return client.send({
                "accessToken": token,
                "appId": "APP",
                "requestId": "r-1",
                "templateCode": "TP",
                "redirectUrl": "/p",
                "templates": [{"templateParameters": {}}],
            })
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
        })
        """,
        """\
        import compat

        client = compat.MessageClient("https://h", "c")
        answer = compat.to_wire(client.send({
            "accessToken": "t", "appId": "A", "requestId": "r", "templateCode": "T",
            "redirectUrl": "/p",
            "templates": [{"templateParameters": {}}],
        }))
        """,
    )


def test_clients_from_elsewhere_send_through_their_message_client() -> None:
    result = check_transformed(
        """\
        from compat import LegacyClient

        def notify(client, token):
            payload = {"appId": "A", "accessToken": token, "requestId": "r",
                       "templateCode": "T", "templates": [{"templateParameters": {}}]}
            return client.send_by_access_token(payload)
        """,
        """\
        # compat: migrate manually: LegacyClient is still used here; its calls now go through .client.send: make the client a MessageClient where it is built
        from compat import LegacyClient

        def notify(client, token):
            payload = {"appId": "A", "accessToken": token, "requestId": "r",
                       "templateCode": "T", "templates": [{"templateParameters": {}}]}
            return client.client.send(payload)
        """,
    )
    assert result.rewrites == {"legacy_client": 1}


def test_a_policy_in_code_keeps_the_legacy_client() -> None:
    result = check_transformed(
        """\
        from compat import LegacyClient, Policy

        client = LegacyClient("https://h", "c", policy=Policy(app_id="A"))
        client.send_by_access_token({"appId": "A", "accessToken": "t", "requestId": "r",
                                     "templateCode": "T", "templates": []})
        """,
        """\
        # compat: migrate manually: LegacyClient is still used here; its calls now go through .client.send: make the client a MessageClient where it is built
        from compat import LegacyClient, Policy

        client = LegacyClient("https://h", "c", policy=Policy(app_id="A"))
        client.client.send({"appId": "A", "accessToken": "t", "requestId": "r",
                                     "templateCode": "T", "templates": []})
        """,
    )
    assert len(result.manual) == 1


def test_options_fill_what_the_policy_filled() -> None:
    check_transformed(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "OLD",
                           "templates": [{"templateParameters": {}}]})
        """,
        """\
        from compat import MessageClient
        client = MessageClient("https://h", "c")
        client.send({"appId": "APP", "accessToken": "t", "requestId": "r", "templateCode": "NEW",
                           "redirectUrl": "/home",
                           "templates": [{"templateParameters": {}}]})
        """,
        app_id="APP",
        default_redirect_url="/home",
        template_codes={"OLD": "NEW"},
    )


def test_missing_request_id_is_generated_as_the_shim_does() -> None:
    check_transformed(
        """\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        client.send_by_access_token({"appId": "A", "accessToken": "t", "templateCode": "T",
                                     "templates": [{"templateParameters": {}}]})
        """,
        """\
        from compat import MessageClient
        import uuid
        client = MessageClient("https://h", "c")
        client.send({"appId": "A", "accessToken": "t", "templateCode": "T",
                                     "requestId": uuid.uuid4().hex,
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
