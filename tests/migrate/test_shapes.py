"""Receivers, policies and call shapes, one case each: what is proven, what is marked."""

from __future__ import annotations

import textwrap
from typing import Any, Optional

import pytest

from compat.migrate import migrate_source

from .helpers import check_manual, check_noop, check_transformed, options

BODY = (
    '{"appId": "A", "accessToken": "t", "requestId": "r", "templateCode": "T", '
    '"templates": [{"templateParameters": {}}]}'
)
WITH_OWN = BODY.replace('"templates"', '"redirectUrl": "/own", "templates"')
BY_TOKEN = "/v2/customers/message/sendByAccessToken"
NEW = "/v2/miniprogram/message/send"


def migrated(source: str, **policy: object) -> str:
    return migrate_source(textwrap.dedent(source), options(**policy)).source


# -- TranslatingPoolManager: its own policy --------------------------------------------


def test_a_pool_manager_call_migrates_under_its_policy_not_the_cli_one() -> None:
    check_transformed(
        f"""\
        import compat
        http = compat.TranslatingPoolManager(policy=compat.Policy(default_redirect_url="/own"))
        http.request("POST", "https://h{BY_TOKEN}", json={BODY})
        """,
        f"""\
        import compat
        # compat: migrate manually: compat's drop-in shim is still used here: once no legacy call goes through it, use MessageClient (or urllib3.PoolManager for a TranslatingPoolManager)
        http = compat.TranslatingPoolManager(policy=compat.Policy(default_redirect_url="/own"))
        http.request("POST", "https://h{NEW}", json={WITH_OWN})
        """,
        default_redirect_url="/cli",
    )


@pytest.mark.parametrize(
    ("construction", "reason"),
    [
        ("TranslatingPoolManager(policy=POLICY)", "the client's policy (POLICY) is not fixed"),
        ("TranslatingPoolManager(signer=signer)", "signs the calls it translates"),
        ("TranslatingPoolManager(verifier=key)", "checks the platform's signature on the answers"),
        ("TranslatingPoolManager(**options)", "http is built with **options, which may hold"),
    ],
)
def test_a_pool_manager_whose_calls_cannot_be_matched(construction: str, reason: str) -> None:
    check_manual(
        f"""\
        from compat import TranslatingPoolManager
        http = {construction}
        http.request("POST", "https://h{BY_TOKEN}", json={BODY})
        """,
        reason,
    )


def test_an_unknown_receiver_in_a_module_with_a_pool_manager_is_manual() -> None:
    check_manual(
        f"""\
        from compat import TranslatingPoolManager
        shared = TranslatingPoolManager()
        def send(http):
            return http.request("POST", "https://h{BY_TOKEN}", json={BODY})
        """,
        "http may be a TranslatingPoolManager",
    )


def test_modules_and_other_pools_are_not_pool_managers() -> None:
    source = f"""\
        import requests, urllib3
        from compat import TranslatingPoolManager
        shim = TranslatingPoolManager()
        plain = urllib3.PoolManager()
        def send():
            requests.post("https://h{BY_TOKEN}", json={BODY})
            plain.request("POST", "https://h{BY_TOKEN}", body={BODY})
        """
    result = migrate_source(textwrap.dedent(source), options())
    assert result.rewrites == {"raw_http": 2}
    assert BY_TOKEN not in result.source


# -- LegacyClient receivers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (  # a name rebound in a loop
            """\
            from compat import LegacyClient
            def f(clients):
                for client in clients:
                    client.send_by_access_token(BODY)
            """,
            "client is not provably a compat.LegacyClient",
        ),
        (  # unpacked from a tuple
            """\
            from compat import LegacyClient
            client, other = LegacyClient("h", "c"), None
            client.send_by_access_token(BODY)
            """,
            "client is not provably a compat.LegacyClient",
        ),
        (  # annotated as something else
            """\
            from compat import LegacyClient
            def f(client: object):
                client.send_by_access_token(BODY)
            """,
            "client is not provably a compat.LegacyClient",
        ),
        (  # a global name the function declares
            """\
            from compat import LegacyClient
            client = LegacyClient("h", "c")
            def f():
                global client
                client.send_by_access_token(BODY)
            """,
            "client is not provably a compat.LegacyClient",
        ),
        (  # a parameter, and no LegacyClient built here
            """\
            from compat import LegacyClient
            def f(client: LegacyClient):
                client.send_by_access_token(BODY)
            """,
            "client is a parameter, and this module builds no LegacyClient",
        ),
        (  # built with two different policies
            """\
            from compat import LegacyClient, Policy
            a = LegacyClient("h", "c")
            b = LegacyClient("h", "c", policy=Policy(app_id="X"))
            def f(client: LegacyClient):
                client.send_by_access_token(BODY)
            """,
            "client may be built with different policies",
        ),
        (  # an attribute assigned from something else too
            """\
            from compat import LegacyClient
            class N:
                def __init__(self):
                    self.client = LegacyClient("h", "c")
                def reset(self):
                    self.client = None
                def go(self):
                    self.client.send_by_access_token(BODY)
            """,
            "self.client is not provably a compat.LegacyClient",
        ),
        (  # an attribute of another object
            """\
            from compat import LegacyClient
            class N:
                def __init__(self, other):
                    other.client = LegacyClient("h", "c")
                def go(self):
                    self.client.send_by_access_token(BODY)
            """,
            "self.client is not provably a compat.LegacyClient",
        ),
        (  # an attribute grown in place
            """\
            from compat import LegacyClient
            class N:
                def __init__(self):
                    self.client = LegacyClient("h", "c")
                    self.client += 1
                def go(self):
                    self.client.send_by_access_token(BODY)
            """,
            "self.client is not provably a compat.LegacyClient",
        ),
        (  # self.client outside any class
            """\
            from compat import LegacyClient
            def go(self):
                self.client.send_by_access_token(BODY)
            """,
            "self.client is not provably a compat.LegacyClient",
        ),
        (  # a call's result
            """\
            from compat import LegacyClient
            make().send_by_access_token(BODY)
            """,
            "make() is not provably a compat.LegacyClient",
        ),
        (  # a policy with ** options
            """\
            from compat import LegacyClient, Policy
            client = LegacyClient("h", "c", policy=Policy(**OPTIONS))
            client.send_by_access_token(BODY)
            """,
            "the client's policy (Policy(**OPTIONS)) is not fixed by the source",
        ),
    ],
)
def test_receivers_and_policies_that_are_not_proven(source: str, reason: str) -> None:
    check_manual(source.replace("BODY", BODY), reason)


def test_a_class_level_annotation_proves_the_attribute() -> None:
    source = f"""\
        from compat import LegacyClient
        client = LegacyClient("h", "c")
        class N:
            client: LegacyClient
            def go(self):
                self.client.send_by_access_token({BODY})
        """
    result = migrate_source(textwrap.dedent(source), options())
    assert result.rewrites == {"legacy_client": 1}, result.manual


def test_a_positional_policy_and_with_statements() -> None:
    source = f"""\
        from compat import LegacyClient, Policy
        with LegacyClient("h", "c", policy=Policy(None, "/p")) as client:
            client.send_by_access_token({BODY})
            client.close()
        """
    result = migrate_source(textwrap.dedent(source), options())
    assert result.rewrites == {"legacy_client": 1}, result.manual
    assert '"redirectUrl": "/p"' in result.source
    assert "MessageClient" in result.source


@pytest.mark.parametrize(
    "use",
    [
        "clients = [client]",  # kept in a list
        "print(client)",  # passed to a function of another module
        "return_it = client.other",  # another attribute
    ],
)
def test_a_client_used_otherwise_is_not_converted(use: str) -> None:
    source = f"""\
        from compat import LegacyClient
        client = LegacyClient("h", "c")
        {use}
        client.send_by_access_token({BODY})
        """
    out = migrated(source)
    assert "client.client.send(" in out
    assert "LegacyClient(" in out


def test_an_annotation_inside_another_type_keeps_the_legacy_client() -> None:
    source = f"""\
        from typing import Optional
        from compat import LegacyClient
        client = LegacyClient("h", "c")
        def f(other: Optional[LegacyClient]):
            client.send_by_access_token({BODY})
        """
    out = migrated(source)
    assert "client.client.send(" in out


def test_clients_passed_to_the_modules_own_functions_are_converted() -> None:
    source = f"""\
        from compat import LegacyClient
        def run(client: LegacyClient):
            client.send_by_access_token({BODY})
        client = LegacyClient("h", "c")
        run(client)
        """
    out = migrated(source)
    assert "LegacyClient" not in out
    assert "client.send(" in out


# -- raw calls: payloads and paths ----------------------------------------------------


def test_the_dict_among_several_arguments_is_the_payload() -> None:
    check_transformed(
        f'call("POST", "https://h{BY_TOKEN}", {BODY}, retries)\n',
        f'call("POST", "https://h{NEW}", {BODY}, retries)\n',
    )


def test_two_dicts_that_could_be_the_payload_are_left() -> None:
    check_noop(f'call("https://h{BY_TOKEN}", {BODY}, {BODY})\n')


def test_urljoin_with_an_absolute_path_and_a_moved_signing_path() -> None:
    check_transformed(
        f"""\
        from urllib.parse import urljoin
        def send(base):
            sig = sign("{BY_TOKEN}")
            return post(urljoin(base, "{BY_TOKEN}"), json={BODY}, headers=sig)
        """,
        f"""\
        from urllib.parse import urljoin
        def send(base):
            sig = sign("{NEW}")
            return post(urljoin(base, "{NEW}"), json={BODY}, headers=sig)
        """,
    )


def test_a_path_built_from_pieces_marks_its_payload_and_its_url() -> None:
    out = migrated(
        """\
        INBOX = "sendInbox"
        def send(token):
            payload = {"authClientId": "A", "accessToken": token, "templateCode": "T",
                       "requestId": "r", "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]}
            url = "/v2/messages/" + INBOX
            return post(url, json=payload)
        """
    )
    assert out.count("goes with a call in send() that is left for manual work") == 2
    assert "built from pieces" in out


def test_a_payload_changed_after_it_is_built() -> None:
    check_manual(
        f"""\
        def send(extra):
            payload = {BODY}
            payload.update(extra)
            return post("{BY_TOKEN}", json=payload)
        """,
        "payload, the payload, is assigned more than once or changed after it is built",
    )


def test_a_class_constant_used_through_its_class_name_is_read() -> None:
    result = migrated(
        f"""\
        class Api:
            PATH = "{BY_TOKEN}"
        def send():
            return post(Api.PATH, json={BODY})
        """
    )
    assert f'return post("{NEW}", json=' in result
    assert "PATH is a legacy path no call here uses any more" in result


def test_a_legacy_path_in_a_decorator_is_marked_above_the_decorators() -> None:
    # libcst starts a decorated def at ``def``: the path in the decorator is still marked
    result = check_manual(
        f"""\
        import pytest

        class TestPaths:
            @pytest.mark.slow
            @pytest.mark.parametrize(
                "path",
                ["{BY_TOKEN}"],
            )
            def test_known(self, path):
                assert path
        """,
        "this legacy path is not posted here with a payload compat migrate can read",
    )
    lines = result.source.splitlines()
    assert lines[3].strip().startswith("# compat: migrate manually:"), result.source
    assert lines[4].strip() == "@pytest.mark.slow"
    assert [site.line for site in result.manual] == [5]  # the decorator that holds it


def test_a_constant_no_call_here_is_seen_to_post_to_says_so() -> None:
    check_manual(
        f"""\
        class Api:
            PATH = "{BY_TOKEN}"
            def send(self):
                return post(self.config.PATH, json={BODY})
        """,
        "PATH holds a legacy path, and compat migrate sees no call here post a payload to it "
        "(other code may, or a call it cannot follow): change it where it is sent, or remove it",
    )


@pytest.mark.parametrize("owner", ["settings", "other.config", "Missing"])
def test_an_attribute_of_anything_but_the_class_is_not_its_constant(owner: str) -> None:
    """``settings.PATH`` in a class that has a ``PATH`` of its own is the setting: were it
    read as the class's, the call would get the class's URL (another host, say)."""
    check_noop(
        f"""\
        class Api:
            PATH = "https://prod{BY_TOKEN}"
            def send(self):
                return post({owner}.PATH, json={BODY})
        """
    )


def test_a_keyword_url_and_a_relative_path_outside_a_join() -> None:
    check_transformed(
        f'post(url="https://h{BY_TOKEN}", json={BODY})\n',
        f'post(url="https://h{NEW}", json={BODY})\n',
    )
    check_noop(f'post("v2/customers/message/sendByAccessTokens", json={BODY})\n')


def test_literal_values_of_other_types_and_unusual_keys() -> None:
    check_transformed(
        f'post("{BY_TOKEN}", {{r"appId": "A", "accessToken": -token, "requestId": "r", '
        '"templateCode": "T", "extendInfo": None, "templates": [{"templateParameters": {}}]})\n',
        f'post("{NEW}", {{r"appId": "A", "accessToken": -token, "requestId": "r", '
        '"templateCode": "T", "templates": [{"templateParameters": {}}]})\n',
    )
    check_manual(
        f'post("{BY_TOKEN}", {{"appId": "A", "accessToken": "t", "requestId": "r", '
        '"templateCode": "T", "extendInfo": ["x"], "templates": [{"templateParameters": {}}]})\n',
        "extendInfo must be a string, got array",
    )
    check_transformed(
        'post("/v2/messages/sendInbox", {r"authClientId": "A", "accessToken": "t", '
        '"requestId": "r", "templateCode": "T", "redirectUrl": "/p", '
        '"templates": [{"templateParameters": {}}]})\n',
        f'post("{NEW}", {{"appId": "A", "accessToken": "t", '
        '"requestId": "r", "templateCode": "T", "redirectUrl": "/p", '
        '"templates": [{"templateParameters": {}}]})\n',
    )


def test_a_shim_payload_bound_to_a_name() -> None:
    check_transformed(
        f"""\
        from compat import LegacyClient
        client = LegacyClient("h", "c")
        def f():
            payload = {BODY}
            client.send_by_access_token(payload)
        """,
        f"""\
        from compat import MessageClient
        client = MessageClient("h", "c")
        def f():
            payload = {BODY}
            client.send(payload)
        """,
    )


@pytest.mark.parametrize(
    "binding",
    [
        'clients = [LegacyClient("h", "c")]\nclient = LegacyClient("h", "c")',
        'client = other = LegacyClient("h", "c")',
        'client = LegacyClient("h", "c")\nholder.client = LegacyClient("h", "c")',
    ],
)
def test_clients_bound_in_other_ways_are_kept(binding: str) -> None:
    source = f"from compat import LegacyClient\n{binding}\nclient.send_by_access_token({BODY})\n"
    out = migrate_source(source, options()).source
    assert "LegacyClient(" in out


def test_dropped_fields_and_a_field_given_twice() -> None:
    check_transformed(
        f'post("{BY_TOKEN}", {{"appId": "A", "app_id": "A", "colour": "red", "accessToken": "t", '
        '"requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})\n',
        f'post("{NEW}", {{"appId": "A", "accessToken": "t", '
        '"requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})\n',
        unknown_fields="drop",
    )


def test_calls_with_star_arguments_and_starred_targets() -> None:
    check_transformed(
        f'post("{BY_TOKEN}", *rest, json={BODY})\n',
        f'post("{NEW}", *rest, json={BODY})\n',
    )
    check_manual(
        f"""\
        from compat import LegacyClient
        first, *client = make()
        client.send_by_access_token({BODY})
        """,
        "client is not provably a compat.LegacyClient",
    )


def test_a_module_name_rebound_by_a_loop_is_not_proven() -> None:
    check_manual(
        f"""\
        from compat import LegacyClient
        for client in [LegacyClient("h", "c")]:
            pass
        def f():
            client.send_by_access_token({BODY})
        """,
        "client is not provably a compat.LegacyClient",
    )


def test_paths_that_do_not_resolve() -> None:
    # a name bound to something that is not a string, a constant that is not one, a deep chain
    check_noop(f'URL = 5\npost(URL, json={BODY})\nFLAG = b"/v2/messages/sendInbox"\n')
    check_noop(f"post(a.b.c, json={BODY})\n")
    check_noop(f'post(urljoin(base, other), json={BODY})\nx = "/v2/messages/sendInbox"\n')


def test_a_pool_manager_receiver_that_is_an_attribute() -> None:
    check_manual(
        f"""\
        from compat import TranslatingPoolManager
        pool = TranslatingPoolManager()
        def send(holder):
            return holder.http.request("POST", "https://h{BY_TOKEN}", json={BODY})
        """,
        "holder.http may be a TranslatingPoolManager",
    )


def test_a_client_bound_to_a_subscript_keeps_the_legacy_client() -> None:
    source = f"""\
        from compat import LegacyClient
        client = LegacyClient("h", "c")
        clients["a"] = LegacyClient("h", "c")
        client.send_by_access_token({BODY})
        """
    assert "LegacyClient(" in migrated(source)


# -- f-strings ---------------------------------------------------------------------------


def test_a_path_constant_in_an_f_string_is_written_into_it() -> None:
    check_transformed(
        f"""\
        PATH = "{BY_TOKEN}"
        def send(base):
            return post(f"{{base}}/api{{PATH}}", json={BODY})
        def local(base):
            path = PATH
            return post(f"{{base}}{{path}}", json={BODY})
        """,
        f"""\
        # compat: migrate manually: PATH is a legacy path no call here uses any more (they name the new path themselves); other code may still use it: remove it when none does
        PATH = "{BY_TOKEN}"
        def send(base):
            return post(f"{{base}}/api{NEW}", json={BODY})
        def local(base):
            path = "{NEW}"
            return post(f"{{base}}{{path}}", json={BODY})
        """,
    )


@pytest.mark.parametrize("head", ["", "/q='x'", '/q="x"', "/t={t}", "\\x", "\t", "\n", "é😀"])
@pytest.mark.parametrize("prefix", ['f"', "f'''", "F'", 'rf"'])
def test_the_url_an_f_string_builds_is_the_constant_s_new_value(prefix: str, head: str) -> None:
    """Run, the migrated f-string makes the URL the constant would, with the new path (the
    constant's text before the path written into the f-string as it must be there)."""
    quote = prefix.lstrip("rRfF")
    source = (
        f"PATH = {head + BY_TOKEN!r}\n"
        f"def send(base):\n    return post({prefix}{{base}}{{PATH}}{quote}, json={BODY})\n"
    )
    result = migrate_source(source, options(annotate=False))
    if "r" in prefix and any(c in head for c in '"\t\n'):
        assert not result.rewrites  # a raw f-string cannot hold it
        return
    assert result.rewrites == {"raw_http": 1}
    urls: list[str] = []
    namespace: dict[str, Any] = {"post": lambda url, json: urls.append(url)}
    exec(compile(result.source, "<migrated>", "exec"), namespace)
    namespace["send"]("https://h")
    assert urls == ["https://h" + head + NEW]


@pytest.mark.parametrize(
    ("constant", "url"),
    [
        (BY_TOKEN, 'f"{base}{PATH!r}"'),  # its repr, quotes and all
        (BY_TOKEN, 'f"{base}{PATH:>40}"'),  # padded
        (BY_TOKEN, 'f"{base}{PATH=}"'),  # "PATH='...'"
        ("/q='x'" + BY_TOKEN, "rf'{base}{PATH}'"),  # a raw f-string cannot hold the quote
    ],
)
def test_a_path_constant_an_f_string_changes_or_cannot_hold_is_left(
    constant: str, url: str
) -> None:
    check_noop(f'PATH = "{constant}"\npost({url}, json={BODY})\n')


def test_the_same_f_string_or_sum_in_every_template_is_one_value() -> None:
    """Written twice, or once in a loop it does not depend on: the templates share it, so
    the shim moves it to the top (it is not two values that may differ)."""
    check_transformed(
        """\
        def send(token, rid):
            post("/v2/messages/sendInbox", {"accessToken": token, "authClientId": "A",
                 "requestId": rid, "templateCode": "T",
                 "templates": [{"templateParameters": {"pushContentUrl": f"/r/{rid}"}},
                               {"templateParameters": {"pushContentUrl": f"/r/{rid}"}}]})
            post("/v2/messages/sendInbox", {"accessToken": token, "authClientId": "A",
                 "requestId": rid, "templateCode": "T",
                 "templates": [{"templateParameters": {"pushContentUrl": "/r/" + rid},
                                "language": lang} for lang in ("th-TH", "en-US")]})
        """,
        """\
        def send(token, rid):
            post("/v2/miniprogram/message/send", {"accessToken": token, "appId": "A",
                 "requestId": rid, "templateCode": "T",
                 "redirectUrl": f"/r/{rid}",
                 "templates": [{"templateParameters": {}},
                               {"templateParameters": {}}]})
            post("/v2/miniprogram/message/send", {"accessToken": token, "appId": "A",
                 "requestId": rid, "templateCode": "T",
                 "redirectUrl": "/r/" + rid,
                 "templates": [{"templateParameters": {},
                                "language": lang} for lang in ("th-TH", "en-US")]})
        """,
    )


def test_an_f_string_of_the_loop_differs_between_templates() -> None:
    check_manual(
        """\
        def send(token, rid):
            post("/v2/messages/sendInbox", {"accessToken": token, "authClientId": "A",
                 "requestId": rid, "templateCode": "T",
                 "templates": [{"templateParameters": {"pushContentUrl": f"/r/{lang}"},
                                "language": lang} for lang in ("th-TH", "en-US")]})
        """,
        "the templates' loop makes templates that differ where it matters",
    )


# -- a generated requestId: one per send, as the shim makes it ---------------------------

NO_ID = BODY.replace('"requestId": "r", ', "")


@pytest.mark.parametrize(
    ("sends", "why"),
    [
        (
            f'payload = {NO_ID}\nfor token in tokens:\n    post("{BY_TOKEN}", json=payload)',
            "payload is built once, before a loop that sends it",
        ),
        (
            f'payload = {NO_ID}\nwhile tokens:\n    post("{BY_TOKEN}", json=payload)',
            "payload is built once, before a loop that sends it",
        ),
        (
            f'payload = {NO_ID}\nsend = lambda: post("{BY_TOKEN}", json=payload)',
            "payload is built once, before a lambda that sends it",
        ),
        (
            f'payload = {NO_ID}\n[post("{BY_TOKEN}", json=payload) for token in tokens]',
            "payload is built once, before a loop that sends it",
        ),
        (
            f'payload = {NO_ID}\npost("{BY_TOKEN}", data=json.dumps(payload))\n'
            f'post("{BY_TOKEN}", data=json.dumps(payload))',
            "payload is used 2 times, so it may be sent more than once",
        ),
        (
            f'send = functools.partial(post, "{BY_TOKEN}", json={NO_ID})',
            "functools.partial builds it once for every call it makes",
        ),
    ],
)
def test_a_payload_without_a_request_id_built_once_for_several_sends_is_left(
    sends: str, why: str
) -> None:
    body = textwrap.indent(sends, "    ")
    result = check_manual(
        f"import functools, json\ndef send(tokens):\n{body}\n",
        f"the payload has no requestId, and the shim gives each send one of its own; here {why}",
    )
    assert "uuid" not in result.source


def test_a_payload_without_a_request_id_built_for_each_send_gets_one() -> None:
    result = migrated(
        f"""\
        def send(tokens):
            for token in tokens:
                payload = {NO_ID}
                post("{BY_TOKEN}", json=payload)
            for token in tokens:
                post("{BY_TOKEN}", json={NO_ID})
        """
    )
    assert result.count('"requestId": uuid.uuid4().hex') == 2
    assert "manually" not in result


@pytest.mark.parametrize(
    ("built", "sent"),
    [("", "json.dumps(payload)"), ("body = json.dumps(payload)", "body")],
)
def test_a_payload_with_its_request_id_may_be_posted_twice(built: str, sent: str) -> None:
    """By two calls to its endpoint (a retry, say): both are rewritten with it."""
    result = migrated(
        f"""\
        def send():
            payload = {BODY}
            {built}
            post("{BY_TOKEN}", data={sent})
            post("{BY_TOKEN}", data={sent})
        """
    )
    assert result.count(NEW) == 2
    assert "manually" not in result


@pytest.mark.parametrize(
    "use",
    [
        "p = payload",
        "enrich(payload)",
        'payload["templates"].append(extra)',
        'payload.get("templates")[0]["templateParameters"].update(pushContentUrl="/b")',
        "self.sent.append(payload)",
        'post("/v2/messages/sendInbox", json=payload)',
        # posted to the same endpoint, but by a call that is left: it would post the new
        # body to the legacy path
        f'post("{BY_TOKEN}?lang=th", json=payload)',
        f'requests.put("{BY_TOKEN}", json=payload)',
    ],
)
def test_a_payload_used_elsewhere_may_change_there_and_is_left(use: str) -> None:
    check_manual(
        f"""\
        def send(self, extra):
            payload = {BODY}
            {use}
            return post("{BY_TOKEN}", json=payload)
        """,
        "payload, the payload, is also used "
        + (
            "by key elsewhere in send()"
            if use.startswith('payload["')
            else "elsewhere in send() (passed on, given another name, or changed there), so "
            "what is sent cannot be read from its literal"
        ),
    )


@pytest.mark.parametrize(
    "log",
    [
        'log.info("sending %s", body)',
        "self.logger.debug(json.dumps(payload, indent=2))",
        'logger.info("sending %s", json.dumps(payload)[:200])',
        "print(payload)",
        "logging.warning(body)",
        "log(payload=self.payload, text=self.body)",  # only the spelling recurs
    ],
)
def test_a_payload_or_its_json_that_is_also_logged_is_rewritten(log: str) -> None:
    result = migrated(
        f"""\
        def send(self):
            payload = {BODY}
            body = json.dumps(payload)
            {log}
            return post("{BY_TOKEN}", data=body)
        """
    )
    assert NEW in result
    assert "manually" not in result


@pytest.mark.parametrize(
    "send",
    [
        "requests.post(settings.INBOX_URL, data=body, headers={'Signature': signature})",
        "requests.post(settings.INBOX_URL, data=json.dumps(payload), headers=headers(signature))",
    ],
)
def test_a_payload_s_json_that_also_goes_elsewhere_is_left(send: str) -> None:
    """A signing helper called like a post, ("POST", path, body), is no send: the body it
    signs is posted by a call to a URL compat migrate cannot see, which would get the new
    body while it still posts to the legacy endpoint."""
    result = migrated(
        f"""\
        def send(self):
            payload = {BODY}
            body = json.dumps(payload)
            signature = sign("POST", "{BY_TOKEN}", body)
            return {send}
        """
    )
    assert NEW not in result
    assert "elsewhere in send() (another send, a signature?), which would get the new" in result


def test_a_partial_that_binds_a_legacy_path_and_no_payload_says_so() -> None:
    check_manual(
        f"""\
        import functools
        def send(session):
            post = functools.partial(session.post, "https://h{BY_TOKEN}", timeout=5)
            return post(json={BODY})
        """,
        "functools.partial binds the legacy path here and the payload is sent by a later call",
    )


def test_a_payload_written_as_a_dict_call_becomes_a_dict_display() -> None:
    check_transformed(
        f"""\
        def send(token):
            return post("{BY_TOKEN}", json=dict(
                appId="A", accessToken=token,  # who
                requestId="r", templateCode="T", templates=[{{"templateParameters": {{}}}}],
            ))
        """,
        f"""\
        def send(token):
            return post("{NEW}", json={{
                "appId": "A", "accessToken": token,  # who
                "requestId": "r", "templateCode": "T", "templates": [{{"templateParameters": {{}}}}],
            }})
        """,
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("dict(**common, accessToken=token)", "the payload unpacks another mapping (**)"),
        ("dict(common, accessToken=token)", "the payload is dict() of another mapping"),
    ],
)
def test_a_dict_call_of_another_mapping_is_left(payload: str, reason: str) -> None:
    check_manual(
        f'def send(token, common):\n    return post("{BY_TOKEN}", json={payload})\n', reason
    )


@pytest.mark.parametrize(
    "binding",
    [
        "dict = OrderedDict",
        "from collections import OrderedDict as dict",
        "def dict(**k): ...",
        "def other(dict): ...",
    ],
)
def test_a_dict_call_is_read_only_when_dict_is_the_builtin(binding: str) -> None:
    fields = 'appId="A", accessToken="t", requestId="r", templateCode="T", templates=[]'
    check_manual(
        f'{binding}\ndef send():\n    return post("{BY_TOKEN}", json=dict({fields}))\n',
        "the payload posted to the legacy path is not a dict literal in this call",
    )


@pytest.mark.parametrize(
    "double",
    [
        f'responses.add(responses.POST, "https://h{BY_TOKEN}", json={{"result": RESULT}})',
        f'mocker.post("https://h{BY_TOKEN}", json={{"result": RESULT, "extendInfo": "{{}}"}})',
    ],
)
def test_an_answer_registered_for_a_legacy_url_is_not_taken_for_a_request(double: str) -> None:
    check_manual(
        f'RESULT = {{"resultStatus": "S", "resultCode": "SUCCESS"}}\ndef test():\n    {double}\n',
        "the JSON here is an answer of sendByAccessToken (a test double?), not a request",
    )


@pytest.mark.parametrize(
    ("url", "rest"),
    [
        (f'"https://h{BY_TOKEN}?lang=th"', "('?lang=th')"),
        (f'f"{{base}}{BY_TOKEN}/"', "('/')"),
        (f'base + "{BY_TOKEN}" + query', "(query)"),
        ('f"{base}{PATH}{query}"', "({query})"),
        ("base + SLASHED", "('/')"),
        ('urljoin(base, "v2/customers/message/sendByAccessToken?x=1")', "('?x=1')"),
    ],
)
def test_a_url_that_goes_on_after_the_legacy_path_is_left(url: str, rest: str) -> None:
    check_manual(
        f"""\
        from urllib.parse import urljoin
        PATH = "{BY_TOKEN}"
        SLASHED = "{BY_TOKEN}/"
        def send(base, query):
            return post({url}, json={BODY})
        """,
        f"the URL goes on after the legacy path {rest}, and the shim posts to {NEW} without it",
    )


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (f'requests.put("https://h{BY_TOKEN}", json={BODY})', "the call sends PUT"),
        (f'http.request("GET", "https://h{BY_TOKEN}", json={BODY})', "the call sends GET"),
        (f'http.request(method, "https://h{BY_TOKEN}", json={BODY})', "method is not written"),
        (f'Request("https://h{BY_TOKEN}", data=b"", method=verb)', "method is not written"),
    ],
)
def test_a_call_that_is_not_a_post_is_left(call: str, reason: str) -> None:
    check_manual(f"def send(http, method, verb):\n    return {call}\n", reason)


@pytest.mark.parametrize(
    "call",
    [
        f'http.request("post", "https://h{BY_TOKEN}", json={BODY})',
        f'http.urlopen("POST", "https://h{BY_TOKEN}", body=json.dumps({BODY}))',
        f'urlopen("https://h{BY_TOKEN}", data=json.dumps({BODY}).encode())',
        f'Request("https://h{BY_TOKEN}", data=json.dumps({BODY}).encode(), method="POST")',
    ],
)
def test_a_post_written_as_a_method_argument_is_migrated(call: str) -> None:
    assert NEW in migrated(f"def send(http):\n    return {call}\n")


@pytest.mark.parametrize(
    "source",
    [
        f'PATH = b"{BY_TOKEN}"\ndef send(base):\n    return post(base + PATH, json={BODY})\n',
        f'DOC = "{BY_TOKEN}"\n'
        'def send(base):\n    return post(urljoin(base, b"v2/customers/message/sendByAccessToken"),'
        f" json={BODY})\n",
    ],
)
def test_a_path_in_bytes_is_not_read_as_a_url(source: str) -> None:
    result = migrate_source(source, options(annotate=False))
    assert NEW not in result.source


def test_a_url_passed_through_many_names_is_not_followed() -> None:
    check_noop(
        f"""\
        def send(base):
            a = "https://h{BY_TOKEN}"
            b = a
            c = b
            d = c
            e = d
            f = e
            return post(f, json={BODY})
        """
    )


def test_a_client_method_looked_up_in_a_table_is_taken_for_a_post() -> None:
    assert NEW in migrated(
        f'def send(clients):\n    clients["w"](f"https://h{BY_TOKEN}", json={BODY})\n'
    )


def test_a_reason_that_quotes_code_written_over_lines_is_one_comment_line() -> None:
    result = check_manual(
        f"""\
        def send(clients):
            return clients\\
                .fetch("https://h{BY_TOKEN}")
        """,
        "the legacy path is passed to clients .fetch(), which posts no payload here",
    )
    compile(result.source, "<migrated>", "exec")


def test_a_payload_posted_to_both_legacy_endpoints_is_left() -> None:
    check_manual(
        f"""\
        def send(self):
            payload = {BODY}
            post("{BY_TOKEN}", json=payload)
            post("/v2/messages/sendInbox", json=payload)
        """,
        "payload, the payload, is also used elsewhere in send()",
    )


def test_no_mark_stays_where_a_rewrite_ended_what_the_audit_found() -> None:
    """``BASE + path`` holds a legacy path until the literal bound to ``path`` is
    rewritten: that line is not changed, and gets no mark."""
    source = f"""\
        def notify(token):
            path = "{BY_TOKEN}"
            url = BASE + path
            return requests.post(url, json={BODY})
        """
    result = migrate_source(textwrap.dedent(source), options())
    assert result.source.count(NEW) == 1
    assert "manually" not in result.source
    assert result.manual == ()


@pytest.mark.parametrize(
    "url",
    ['f"{settings.GATEWAY}/v2/messages/sendInbox"', 'GATEWAY + "/v2/messages/sendInbox"'],
)
def test_a_module_constant_that_builds_the_url_is_left_with_that_reason(url: str) -> None:
    """Written at the call, the URL would be built when the call runs, not when the module
    is imported (a setting changed since, in tests say): it is not copied."""
    result = migrated(
        f"""\
        INBOX_URL = {url}

        def send(session, token):
            return session.post(INBOX_URL, json={BODY})
        """
    )
    assert NEW not in result
    assert (
        "# compat: migrate manually: INBOX_URL builds the legacy URL from other values when "
        "the module is imported, and compat migrate copies only a URL written out whole into "
        "a call: write it out whole, or migrate this call by hand\n"
        "    return session.post(" in result
    )
    assert "# compat: migrate manually: this goes with a call in send()" in result


def test_a_type_of_the_legacy_payload_is_marked_as_one() -> None:
    result = migrated(
        """\
        class InboxPayload(TypedDict):
            accessToken: str
            authClientId: str
        """
    )
    assert (
        "    # compat: migrate manually: a type of the legacy payload (a TypedDict, dataclass "
        "or model whose fields are the legacy wire names): change it with the code that sends "
        "it\n    authClientId: str\n" in result
    )


def test_a_model_whose_aliases_are_the_legacy_names_is_marked_as_one() -> None:
    result = migrated(
        """\
        class InboxRequest(BaseModel):
            access_token: str = Field(alias="accessToken")
            auth_client_id: str = Field(
                alias="authClientId",
            )
        """
    )
    assert (
        "    # compat: migrate manually: a type of the legacy payload (a TypedDict, dataclass "
        "or model whose fields are the legacy wire names): change it with the code that sends "
        "it\n    auth_client_id: str = Field(\n" in result
    ), result


def test_a_payload_the_shim_posts_too_is_left() -> None:
    """The shim translates what it is given: the new body would not be a legacy payload."""
    result = migrated(
        f"""\
        from compat import LegacyClient
        legacy = LegacyClient("https://w", "c")
        def send():
            payload = {BODY}
            legacy.post("{BY_TOKEN}", payload)
            return post("{BY_TOKEN}", json=payload)
        """
    )
    assert NEW not in result.replace("/v2/miniprogram/message/send without", "")
    assert result.count("payload, the payload, is also used elsewhere in send()") == 2


# -- annotated bindings ----------------------------------------------------------------

LEGACY_BODY = (
    '{"accessToken": token, "authClientId": "A", "requestId": "r", "templateCode": "T", '
    '"templates": [{"templateParameters": {"pushContentUrl": "/p"}}]}'
)
NEW_BODY = (
    '{"accessToken": token, "appId": "A", "requestId": "r", "templateCode": "T", '
    '"redirectUrl": "/p", "templates": [{"templateParameters": {}}]}'
)


def test_a_payload_bound_with_an_annotation_migrates() -> None:
    check_transformed(
        f"""\
        import requests
        def send(token):
            url: str = "https://h/v2/messages/sendInbox"
            payload: dict[str, Any] = {LEGACY_BODY}
            return requests.post(url, json=payload)
        """,
        f"""\
        import requests
        def send(token):
            url: str = "https://h{NEW}"
            payload: dict[str, Any] = {NEW_BODY}
            return requests.post(url, json=payload)
        """,
    )


def test_a_bare_annotation_binds_nothing() -> None:
    """``payload: dict`` alone assigns nothing: the one assignment after it is the value."""
    result = migrated(
        f"""\
        import requests
        def send(token):
            payload: dict
            payload = {LEGACY_BODY}
            return requests.post("https://h/v2/messages/sendInbox", json=payload)
        """
    )
    assert NEW_BODY in result


def test_an_annotated_payload_changed_after_it_is_built_is_left_with_that_reason() -> None:
    result = migrate_source(
        textwrap.dedent(
            f"""\
            import requests
            def send(token, gold):
                payload: dict[str, Any] = {LEGACY_BODY}
                if gold:
                    payload["templateCode"] = "GOLD"
                return requests.post("https://h/v2/messages/sendInbox", json=payload)
            """
        ),
        options(),
    )
    assert not result.rewrites
    reasons = {site.line: site.reason for site in result.manual}
    assert reasons[6].startswith("payload, the payload, is assigned more than once or changed")
    # the payload's own line says where it goes, not a guess at why
    assert (
        reasons[3] == "this goes with a call in send() that is left for manual work (see its mark)"
    )


def test_a_module_payload_a_left_call_posts_says_it_goes_with_that_call() -> None:
    result = migrate_source(
        textwrap.dedent(
            f"""\
            import requests
            PAYLOAD = {LEGACY_BODY}
            def send():
                return requests.post("https://h/v2/messages/sendInbox", json=PAYLOAD)
            def other(PAYLOAD):
                return requests.post("https://h/v2/messages/sendInbox", json=PAYLOAD)
            """
        ),
        options(),
    )
    assert not result.rewrites
    reasons = {site.line: site.reason for site in result.manual}
    # send() reads the module's PAYLOAD; other() its own parameter, which is not it
    assert reasons[2] == (
        "this goes with a call in send() that is left for manual work (see its mark)"
    )


def test_a_legacy_payload_in_an_assertion_is_marked_as_one() -> None:
    result = migrated(
        """\
        def test_send(sent):
            assert sent == {"accessToken": "t", "authClientId": "A"}
            self.assertEqual(sent, {"accessToken": "t", "authClientId": "A"})
            if sent != {"accessToken": "t", "authClientId": "A"}: fail()
            check(sent, {"accessToken": "t", "authClientId": "A"})
        """
    )
    assert result.count("a legacy payload compat migrate cannot pair with a legacy path") == 2
    assert (
        result.count(
            "# compat: migrate manually: a legacy payload this code checks against, not one it "
            "sends (a test's expected body?): change it with the code that sends it\n"
        )
        == 2
    )


def test_a_payload_read_by_key_elsewhere_says_so() -> None:
    """The new body has appId where the legacy one had authClientId: a read by key is no
    longer what it was, and the site is left."""
    check_manual(
        f"""\
        import requests
        def send(token):
            payload = {LEGACY_BODY}
            log.info("sending for %s", payload["authClientId"])
            return requests.post("https://h/v2/messages/sendInbox", json=payload)
        """,
        'payload, the payload, is also used by key elsewhere in send() (payload["authClientId"]), '
        "to read or change what it holds, and the new body's keys and values are not the legacy "
        "ones",
    )


@pytest.mark.parametrize(
    "change",
    ['payload |= {"extendInfo": "x"}', "self.sent: dict = payload", "payload.x: int = 1"],
)
def test_a_payload_changed_by_an_augmented_or_annotated_assignment_is_left(change: str) -> None:
    result = migrate_source(
        textwrap.dedent(
            f"""\
            import requests
            def send(self, token):
                payload = {LEGACY_BODY}
                {change}
                return requests.post("https://h/v2/messages/sendInbox", json=payload)
            """
        ),
        options(),
    )
    assert not result.rewrites, result.source


def test_an_unknown_value_the_translator_drops_is_proven() -> None:
    """A field the policy drops may hold anything: the new body is the same."""
    check_transformed(
        f'def f(colour):\n    post("{BY_TOKEN}", {{"appId": "A", "colour": colour, "accessToken": "t", '
        '"requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})\n',
        f'def f(colour):\n    post("{NEW}", {{"appId": "A", "accessToken": "t", '
        '"requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})\n',
        unknown_fields="drop",
    )


@pytest.mark.parametrize(
    ("call", "how"),
    [
        (
            f'requests.post("https://h{BY_TOKEN}", data={BODY})',
            "data=, which requests, httpx and aiohttp send",
        ),
        (
            f'httpx.post("https://h{BY_TOKEN}", data=payload)',
            "data=, which requests, httpx and aiohttp send",
        ),
        (f'session.post("https://h{BY_TOKEN}", data=dict(payload))', None),  # not a literal
        (
            f'requests.post("https://h{BY_TOKEN}", payload)',
            "the second argument of requests.post() (data), which it sends",
        ),
    ],
)
def test_a_dict_sent_form_encoded_is_left(call: str, how: str | None) -> None:
    """requests, httpx and aiohttp send a dict given as data= form-encoded: the shim,
    which takes JSON bodies, never translated such a call."""
    source = f"""\
        import httpx, requests
        def send(session):
            payload = {BODY}
            return {call}
        """
    result = migrate_source(textwrap.dedent(source), options())
    assert not result.rewrites, result.source
    if how is not None:
        reasons = [site.reason for site in result.manual]
        assert f"the payload goes as {how} form-encoded, not as JSON" in (" ".join(reasons))


def test_a_dict_given_to_a_helper_of_the_code_is_not_taken_for_a_form() -> None:
    """``post(path, payload)``: a helper of the code's, which posts it as JSON."""
    result = migrated(
        f"""\
        def send():
            payload = {BODY}
            return post("https://h{BY_TOKEN}", payload)
        """
    )
    assert NEW in result
    assert "manually" not in result


# -- written as the user writes ----------------------------------------------------------


def test_new_keys_and_moved_links_are_written_as_the_payload_writes_its_own() -> None:
    # single quotes stay single; the link keeps its escapes (the same value, as written)
    check_transformed(
        """\
        def send(token):
            post('https://h/v2/messages/sendInbox', json={'accessToken': token,
                 'authClientId': 'A', 'requestId': 'r', 'templateCode': 'T',
                 'templates': [{'templateParameters': {'pushContentUrl': '/p?q=\\u00e9'}}]})
        """,
        f"""\
        def send(token):
            post('https://h{NEW}', json={{'accessToken': token,
                 'appId': 'A', 'requestId': 'r', 'templateCode': 'T',
                 'redirectUrl': '/p?q=\\u00e9',
                 'templates': [{{'templateParameters': {{}}}}]}})
        """,
    )


def test_a_shim_call_with_keywords_writes_its_keys_in_the_quotes_of_its_strings() -> None:
    result = migrated(
        """\
        from compat import LegacyClient
        client = LegacyClient('https://h', 'c')
        client.send_inbox(access_token='t', auth_client_id='A', request_id='r',
                          template_code='T',
                          templates=[{'templateParameters': {'pushContentUrl': '/home'}}])
        """
    )
    assert "client.send({'accessToken': 't', 'appId': 'A', 'requestId': 'r'," in result, result
    assert "'redirectUrl': '/home'" in result


def test_a_path_constant_written_into_the_call_keeps_its_quotes() -> None:
    result = migrated(
        f"""\
        PATH = 'https://h{BY_TOKEN}'
        def send():
            return post(PATH, json={BODY})
        """
    )
    assert f"return post('https://h{NEW}', json=" in result, result


# -- a relative path added to a base that ends in / ----------------------------------------

RELATIVE_CALL = (
    'post(BASE + "v2/messages/sendInbox", json={"accessToken": t, "authClientId": "A", '
    '"requestId": "r", "templateCode": "T", "templates": [{"templateParameters": '
    '{"pushContentUrl": "/x"}}]})'
)


@pytest.mark.parametrize(
    "before",
    [
        'BASE = "https://h/"\ndef f(t):\n    {call}\n',
        'HOST = "https://h"\nBASE = HOST + "/api/"\ndef f(t):\n    {call}\n',
        'def f(t):\n    BASE = "https://h/api/"\n    {call}\n',
        'def f(t, host):\n    BASE = f"https://{{host}}/"\n    {call}\n',
    ],
)
def test_a_relative_path_added_to_a_base_ending_in_a_slash_migrates(before: str) -> None:
    result = migrate_source(before.format(call=RELATIVE_CALL), options())
    assert result.rewrites == {"raw_http": 1}, result.manual
    assert 'BASE + "v2/miniprogram/message/send"' in result.source


@pytest.mark.parametrize(
    "before",
    [
        'BASE = "https://h"\ndef f(t):\n    {call}\n',  # https://hv2/...: not the legacy URL
        'BASE = "https://h/"\ndef f(t, BASE):\n    {call}\n',  # a parameter, not the constant
        'BASE = "https://h/"\nBASE = "https://h"\ndef f(t):\n    {call}\n',  # bound twice
        'BASE = "https://h/"\ndef g():\n    global BASE\n    BASE = "x"\ndef f(t):\n    {call}\n',
        'def f(t, host):\n    BASE = f"https://{{host}}"\n    {call}\n',  # ends in a value
        "from settings import BASE\ndef f(t):\n    {call}\n",  # its value is elsewhere
    ],
)
def test_a_relative_path_added_to_a_base_the_source_does_not_end_in_a_slash_is_left(
    before: str,
) -> None:
    source = before.format(call=RELATIVE_CALL)
    result = migrate_source(source, options(annotate=False))
    assert result.source == source
    assert not result.rewrites


# -- a value that may be None ----------------------------------------------------------

INBOX = "/v2/messages/sendInbox"


def _inbox_call(**fields: str) -> str:
    written = {
        "accessToken": "token",
        "authClientId": '"A"',
        "requestId": '"r-1"',
        "templateCode": '"T"',
        "templates": '[{"templateParameters": {"pushContentUrl": "/x"}}]',
        **fields,
    }
    body = ", ".join(f'"{key}": {value}' for key, value in written.items())
    return f'requests.post("https://h{INBOX}", json={{{body}}})'


@pytest.mark.parametrize(
    ("signature", "fields", "what"),
    [
        # the shim leaves out an extendInfo that is None: the new body would send null
        ("token, extend_info", {"extendInfo": "extend_info"}, "extend_info"),
        ("token, extend_info=None", {"extendInfo": "extend_info"}, "extend_info"),
        ("token, extend_info: Optional[str]", {"extendInfo": "extend_info"}, "extend_info"),
        ("token, extra", {"extendInfo": 'extra.get("info")'}, 'extra.get("info")'),
        (  # the usual way to leave it out, which the shim does for a None
            "token, extra",
            {"extendInfo": "json.dumps(extra) if extra else None"},
            "(json.dumps(extra) if extra else None)",
        ),
        # ... and a language
        (
            "token, order",
            {"templates": '[{"templateParameters": {"pushContentUrl": "/x"}, '
             '"language": order.language}]'},
            "order.language",
        ),
    ],
)  # fmt: skip
def test_a_value_the_shim_leaves_out_when_it_is_none_is_left_when_it_may_be(
    signature: str, fields: dict[str, str], what: str
) -> None:
    check_manual(
        f"import requests\ndef send({signature}):\n    return {_inbox_call(**fields)}\n",
        f"what the shim sends depends on whether {what} is None (the shim then leaves the "
        "field out or fills it in, where the new body would send null)",
    )


@pytest.mark.parametrize(
    ("signature", "fields"),
    [
        # a str parameter; a string made by a call; a literal loop; a required field,
        # which the shim refuses as None as the new endpoint refuses null
        ("token, extend_info: str", {"extendInfo": "extend_info"}),
        ("token, extra", {"extendInfo": "json.dumps(extra)"}),
        ("token, extra", {"extendInfo": 'f"{extra}"'}),
        ("token, extra", {"extendInfo": '"x-" + extra'}),
        ("token, extra", {"extendInfo": 'extra or ""'}),
        ("token, extra", {"extendInfo": "info"}),
        (
            "token",
            {"templates": '[{"templateParameters": {"pushContentUrl": "/x"}, "language": lang} '
             'for lang in ("th-TH", "en-US")]'},
        ),
        ("token, request_id", {"requestId": "request_id"}),
    ],
)  # fmt: skip
def test_a_value_that_cannot_be_none_or_is_refused_as_none_migrates(
    signature: str, fields: dict[str, str]
) -> None:
    source = f"import json, requests\ndef send({signature}):\n"
    if fields.get("extendInfo") == "info":
        source += "    info = str(extra)\n"
    result = migrate_source(source + f"    return {_inbox_call(**fields)}\n", options())
    assert result.rewrites == {"raw_http": 1}, result.manual


def test_a_request_id_that_may_be_none_is_left_where_the_shim_generates_one() -> None:
    # sendByAccessToken: the shim makes up a requestId for one that is None
    check_manual(
        f"""\
        import requests
        def push(token, request_id=None):
            return requests.post("https://h{BY_TOKEN}", json={{"appId": "A",
                "accessToken": token, "requestId": request_id, "templateCode": "T",
                "templates": [{{"templateParameters": {{"pushContentUrl": "/x"}}}}]}})
        """,
        "what the shim sends depends on whether request_id is None",
    )


@pytest.mark.parametrize(
    ("prelude", "loop", "rewritten"),
    [
        ('TEXTS = {"en-US": "Hi", "th-TH": "Sawasdee"}\n', "lang, text in TEXTS.items()", True),
        ('TEXTS = {"en-US": "Hi", "th-TH": "Sawasdee"}\n', "lang in TEXTS", True),
        ('LANGS = ["en-US", "th-TH"]\n', "lang in LANGS", True),
        ('TEXTS = {"en-US": "Hi", "th-TH": None}\n', "text, lang in TEXTS.items()", False),
        ('TEXTS = {"en-US": "Hi", **MORE}\n', "lang in TEXTS", False),
        # the loop's own lang, not the module's: what it takes is not known
        ('lang = "en-US"\nPAIRS = load()\n', "lang, text in PAIRS", False),
    ],
)
def test_a_loop_variable_is_not_none_when_the_loop_runs_over_literals(
    prelude: str, loop: str, rewritten: bool
) -> None:
    source = (
        f"import requests\n{prelude}def send(token):\n    return "
        + _inbox_call(
            templates='[{"templateParameters": {"pushContentUrl": "/x"}, "language": lang} '
            f"for {loop}]"
        )
        + "\n"
    )
    result = migrate_source(source, options())
    assert bool(result.rewrites) == rewritten, result.manual
    if not rewritten:
        assert "whether lang is None" in result.manual[0].reason


@pytest.mark.parametrize(
    ("body", "rewritten"),
    [
        ('    info = "a" if extra else "b"\n', True),
        ('    info = "a" if extra else extra\n', False),
        ("    info = extra and str(extra)\n", False),  # extra itself when it is falsy
        ('    info = extra and "x"\n', False),
        ('    info = str(extra) and "x"\n', True),
        ('    info = extra.get("x")\n', False),
        ("    info = extra.info\n", False),
        ("    info = extra[0]\n", False),
        # a chain of names longer than the codemod follows
        (
            '    a = "x"\n    b = a\n    c = b\n    d = c\n    e = d\n    f = e\n    info = f\n',
            False,
        ),
        ("    for info in extra:\n        pass\n", False),  # a loop statement's: not followed
    ],
)
def test_what_is_never_none(body: str, rewritten: bool) -> None:
    source = (
        f"import requests\ndef send(token, extra):\n{body}"
        f"    return {_inbox_call(extendInfo='info')}\n"
    )
    result = migrate_source(source, options())
    assert bool(result.rewrites) == rewritten, result.manual


@pytest.mark.parametrize(
    "loop",
    [
        "(lang, a), b in TEXTS.items()",  # the key unpacked: not read
        "(lang, n) in TEXTS",  # a dict's keys, unpacked
        "lang in TEXTS.copy()",
        "lang in [*LANGS]",
    ],
)
def test_a_loop_the_codemod_does_not_read_leaves_the_loop_variable_maybe_none(
    loop: str,
) -> None:
    source = (
        'import requests\nTEXTS = {"en-US": "Hi"}\nLANGS = ["en-US"]\ndef send(token):\n'
        "    return "
        + _inbox_call(
            templates='[{"templateParameters": {"pushContentUrl": "/x"}, "language": lang} '
            f"for {loop}]"
        )
        + "\n"
    )
    result = migrate_source(source, options())
    assert not result.rewrites
    assert "whether lang is None" in result.manual[0].reason


@pytest.mark.parametrize(
    ("prelude", "rewritten"),
    [
        ('BASE = "https://h" "/"\n', True),  # implicit concatenation
        ('BASE = "https://h/" "api"\n', False),
        # a chain of names longer than the codemod follows
        ('A = "https://h/"\nB = A\nC = B\nD = C\nE = D\nBASE = E\n', False),
    ],
)
def test_where_a_base_ends(prelude: str, rewritten: bool) -> None:
    source = f"{prelude}def f(t):\n    {RELATIVE_CALL}\n"
    assert bool(migrate_source(source, options()).rewrites) == rewritten


@pytest.mark.parametrize(
    ("prelude", "signature", "value", "rewritten"),
    [
        ("@dataclass\nclass Order:\n    info: str\n", "token, order: Order", "order.info", True),
        (
            "class Sender:\n    info: str = 'x'\n    def send(self, token):\n"
            "        return {call}\n",
            None,
            "self.info",
            True,
        ),
        ("class Order:\n    info: Optional[str]\n", "token, order: Order", "order.info", False),
        ("class Order:\n    info: str = None\n", "token, order: Order", "order.info", False),
        ("from models import Order\n", "token, order: Order", "order.info", False),
        ("class Order:\n    info: str\n", "token, order", "order.info", False),
        ("class Order:\n    info: str\n", "token, order: Order", "order.other", False),
    ],
)
def test_a_field_annotated_str_of_a_class_of_the_module_is_never_none(
    prelude: str, signature: Optional[str], value: str, rewritten: bool
) -> None:
    call = _inbox_call(extendInfo=value)
    source = "import requests\n" + prelude.replace("{call}", call)
    if signature is not None:
        source += f"def send({signature}):\n    return {call}\n"
    result = migrate_source(source, options())
    assert bool(result.rewrites) == rewritten, result.manual


@pytest.mark.parametrize(
    ("body", "rewritten"),
    [
        # bound once, but also a parameter (its default, None, when the if is not taken)
        ('def send(token, flag, info=None):\n    if flag:\n        info = "x"\n', False),
        # bound once, then by a loop
        ('def send(token, rows):\n    info = "x"\n    for info in rows:\n        pass\n', False),
        ('def send(token, extra):\n    info = "x"\n    if (info := extra.get("i")):\n'
         "        pass\n", False),
        ('def send(token, extra):\n    info = "x"\n    with open(extra) as info:\n'
         "        pass\n", False),
        # a str parameter assigned in the function, or bound by a loop
        ("def send(token, info: str):\n    info = None\n", False),
        ("def send(token, info: str, rows):\n    for info in rows:\n        pass\n", False),
        ("def send(token, info: str):\n", True),
    ],
)  # fmt: skip
def test_a_name_bound_more_ways_than_one_assignment_may_be_none(body: str, rewritten: bool) -> None:
    source = f"import requests\n{body}    return {_inbox_call(extendInfo='info')}\n"
    result = migrate_source(source, options())
    assert bool(result.rewrites) == rewritten, result.manual


def test_a_base_bound_once_but_also_a_parameter_is_not_known_to_end_in_a_slash() -> None:
    source = (
        'def f(t, BASE=None):\n    if not BASE:\n        BASE = "https://h/"\n'
        f"    {RELATIVE_CALL}\n"
    )
    assert not migrate_source(source, options()).rewrites


@pytest.mark.parametrize(
    ("body", "rewritten"),
    [
        ('def send(token):\n    for lang in ("en-US", "th-TH"):\n', True),
        ('LANGS = ("en-US", "th-TH")\ndef send(token):\n    for lang in LANGS:\n', True),
        ("def send(token, langs):\n    for lang in langs:\n", False),
        ('def send(token, lang):\n    for lang in ("en-US",):\n', False),  # also a parameter
        (
            'def send(token):\n    for lang in ("en-US",):\n        pass\n'
            "    for lang in load():\n",
            False,
        ),
        ('def send(token):\n    for lang in ("en-US", None):\n', False),
        ('def send(token):\n    for lang in ("en-US",):\n        lang = pick()\n', False),
    ],
)
def test_a_for_loop_over_literals_binds_a_value_that_is_never_none(
    body: str, rewritten: bool
) -> None:
    call = _inbox_call(
        templates='[{"templateParameters": {"pushContentUrl": "/x"}, "language": lang}]'
    )
    source = f"import requests\n{body}        {call}\n"
    result = migrate_source(source, options())
    assert bool(result.rewrites) == rewritten, result.manual


@pytest.mark.parametrize(
    "body",
    [
        # bound once by an assignment, and also ...
        'def send(token):\n    info = "x"\n    from extras import info\n',  # by an import
        'def send(token):\n    info = "x"\n    def info():\n        pass\n',  # by a def
        'def send(token):\n    info = "x"\n    class info:\n        pass\n',  # by a class
        'def send(token):\n    global info\n    info = "x"\n',  # the module's, set here
        "def send(token):\n    info: str\n",  # an annotation alone binds nothing
        "def send(token, order: Order):\n    order = load()\n",  # not the parameter now
    ],
)
def test_a_name_bound_in_other_ways_may_be_none(body: str) -> None:
    value = "order.info" if "order" in body else "info"
    source = (
        "import requests\nclass Order:\n    info: str\n"
        f"{body}    return {_inbox_call(extendInfo=value)}\n"
    )
    result = migrate_source(source, options())
    assert not result.rewrites
    assert f"whether {value} is None" in result.manual[0].reason


def test_a_field_read_at_the_module_level_may_be_none() -> None:
    # no parameter annotates it: a module's name
    source = (
        "import requests\nfrom app import order, token\nclass Order:\n    info: str\n"
        f"{_inbox_call(extendInfo='order.info')}\n"
    )
    result = migrate_source(source, options())
    assert not result.rewrites
