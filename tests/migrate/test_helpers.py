"""A call that hands the legacy path and its payload to a helper of the module's own is
rewritten only when the helper sends the payload as it is given."""

from __future__ import annotations

import textwrap

import pytest

from compat.migrate import migrate_source

from .helpers import check_manual, options

PAYLOAD = """{
        "accessToken": token,
        "authClientId": "2021004125637654",
        "requestId": "r-1",
        "templateCode": "TP",
        "templates": [{"templateParameters": {"pushContentUrl": "https://m.example.com/x"}}],
    }"""
NEW = "/v2/miniprogram/message/send"


def rewritten(source: str) -> bool:
    result = migrate_source(source, options())
    assert (NEW in result.source) == bool(result.rewrites), result.source
    return bool(result.rewrites)


def module_helper(body: str) -> str:
    return (
        "import json\nimport requests\n\nBASE = 'https://wallet.example.com'\n\n\n"
        f"def _post(path, payload):\n{body}\n\n\n"
        f"def notify(token):\n    return _post('/v2/messages/sendInbox', {PAYLOAD})\n"
    )


@pytest.mark.parametrize(
    "body",
    [
        # sends it as it is
        "    return requests.post(BASE + path, json=payload).json()",
        # serialises it, then signs and sends the text
        "    text = json.dumps(payload, separators=(',', ':'))\n"
        "    headers = {'Signature': sign(f'POST {path}\\n{text}')}\n"
        "    return requests.post(BASE + path, data=text.encode(), headers=headers)",
        # serialises it in place
        "    payload = json.dumps(payload).encode()\n"
        "    return requests.post(BASE + path, data=payload)",
        # logs it first (and reads another object's attribute of the same name)
        "    log.info('posting %s', payload)\n    stats.payload += 1\n"
        "    return requests.post(BASE + path, json=payload)",
        # hands it by keyword to a client that sends it
        "    return transport.send(payload=payload, url=BASE + path)",
        # hands it on to a helper that sends it as it is
        "    return _send('POST', BASE + path, payload)\n\n\n"
        "def _send(method, url, body):\n    return requests.request(method, url, json=body)",
    ],
    ids=["sends", "serialises-and-signs", "serialises-in-place", "logs", "keyword", "hands-on"],
)
def test_a_helper_that_sends_the_payload_as_given_is_rewritten_through(body: str) -> None:
    assert rewritten(module_helper(body))


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (
            "    payload = {'authClientId': CLIENT_ID, **payload}\n"
            "    return requests.post(BASE + path, json=payload)",
            "binds payload anew",
        ),
        (
            "    payload.setdefault('authClientId', CLIENT_ID)\n"
            "    return requests.post(BASE + path, json=payload)",
            "calls its setdefault()",
        ),
        (
            "    payload['requestId'] = payload['requestId'][:64]\n"
            "    return requests.post(BASE + path, json=payload)",
            "reads or sets an item of it",
        ),
        (
            "    return requests.post(BASE + path, json={'authClientId': CLIENT_ID, **payload})",
            "spreads it",
        ),
        (
            "    if 'authClientId' not in payload:\n        raise ValueError('no client')\n"
            "    return requests.post(BASE + path, json=payload)",
            "looks into it",
        ),
        (
            "    return requests.post(BASE + path, json=payload | {'authClientId': CLIENT_ID})",
            "merges another dict with it",
        ),
        (
            "    body = dict(payload, authClientId=CLIENT_ID)\n"
            "    return requests.post(BASE + path, json=body)",
            "copies it (to change the copy?)",
        ),
    ],
    ids=["spread-and-rebound", "setdefault", "item", "spread", "in", "merge", "copy"],
)
def test_a_helper_that_does_more_with_the_payload_leaves_the_call(body: str, what: str) -> None:
    check_manual(
        module_helper(body),
        f"the payload goes through _post(), which {what} before it is sent: "
        "migrate _post() with the calls to it by hand",
    )


def test_a_method_of_the_class_is_followed_through_self() -> None:
    source = f"""\
import requests


class Wallet:
    def _post(self, path, payload):
        payload.update(authClientId=self.client_id)
        return self.session.post(self.base + path, json=payload)

    def notify(self, token):
        return self._post("/v2/messages/sendInbox", {PAYLOAD})
"""
    check_manual(source, "the payload goes through _post(), which calls its update()")
    assert rewritten(source.replace("payload.update(authClientId=self.client_id)", "pass"))


def test_a_static_method_takes_no_self() -> None:
    source = f"""\
class Wallet:
    @staticmethod
    def _post(url, payload, extra=None):
        return requests.post(url, json=payload)

    def notify(self, token):
        return self._post("https://h/v2/messages/sendInbox", {PAYLOAD})
"""
    assert rewritten(source)
    check_manual(
        source.replace("    @staticmethod\n", "").replace("(url, payload", "(self, url, payload"),
        "the payload goes through _post(), which",
    ) if False else None


def test_a_helper_that_tells_paths_apart_leaves_the_call() -> None:
    check_manual(
        module_helper(
            "    metrics.count(ENDPOINTS[path])\n    return requests.post(BASE + path, json=payload)"
        ),
        "the legacy path goes through _post(), which tells paths apart: "
        "migrate _post() with the calls to it by hand",
    )
    check_manual(
        module_helper(
            "    if path.endswith('sendInbox'):\n        log.info('inbox')\n"
            "    return requests.post(BASE + path, json=payload)"
        ),
        "which tells paths apart",
    )


def test_a_helper_that_takes_the_payload_by_args_leaves_the_call() -> None:
    check_manual(
        module_helper("    return requests.post(BASE + path, *args)").replace(
            "_post(path, payload)", "_post(path, *args)"
        ),
        "the payload reaches _post() by *args or **kwargs",
    )


def test_a_helper_handing_the_payload_to_one_that_changes_it_leaves_the_call() -> None:
    check_manual(
        module_helper(
            "    return _send(BASE + path, payload)\n\n\n"
            "def _send(url, body):\n    body['authClientId'] = CLIENT_ID\n"
            "    return requests.post(url, json=body)"
        ),
        "the payload goes through _send(), which reads or sets an item of it before it is sent",
    )


def test_a_helper_from_an_installed_library_is_taken_at_its_word() -> None:
    source = module_helper("    pass").replace(
        "def _post(path, payload):\n    pass\n", "from wallet_sdk.transport import _post\n"
    )
    assert "def _post" not in source
    assert rewritten(source)  # no module wallet_sdk in the project (nor the working folder)


def test_a_helper_imported_relatively_from_a_source_without_its_file_is_left() -> None:
    source = module_helper("    pass").replace(
        "def _post(path, payload):\n    pass\n", "from .http import _post\n"
    )
    check_manual(
        source,
        "_post() comes from .http, which compat migrate does not look for in a source given "
        "without its file: migrate this call by hand",
    )


def test_keyword_arguments_are_bound_by_name() -> None:
    source = module_helper(
        "    payload['x'] = 1\n    return requests.post(BASE + path, json=payload)"
    )
    source = source.replace("payload", "body").replace(
        "_post('/v2/messages/sendInbox', {", "_post(path='/v2/messages/sendInbox', body={"
    )
    check_manual(source, "the payload goes through _post(), which reads or sets an item of it")


def test_a_helper_that_loops_over_the_payload_leaves_the_call() -> None:
    check_manual(
        module_helper(
            "    for key in payload:\n        log.info(key)\n"
            "    return requests.post(BASE + path, json=payload)"
        ),
        "which loops over it before it is sent",
    )


def test_helpers_are_followed_a_few_deep() -> None:
    chain = (
        "    return _a(BASE + path, payload)\n\n\n"
        "def _a(url, body):\n    return _b(url, body)\n\n\n"
        "def _b(url, body):\n    return _c(url, body)\n\n\n"
        "def _c(url, body):\n    return requests.post(url, json=body)"
    )
    check_manual(module_helper(chain), "the payload goes through helpers more than 3 deep")
    shorter = chain.replace("return _c(url, body)", "return requests.post(url, json=body)")
    assert rewritten(module_helper(shorter))


def test_a_method_the_class_does_not_define_is_taken_at_its_word() -> None:
    source = f"""\
class Wallet(BaseClient):
    @property
    def _post(self):
        return self.session.post

    def notify(self, token):
        return self._send("https://h/v2/messages/sendInbox", {PAYLOAD})

    def other(self, token):
        return self._post("https://h/v2/messages/sendInbox", {PAYLOAD})
"""
    result = migrate_source(source, options())
    assert result.rewrites == {"raw_http": 2}


def test_a_helper_bound_anew_is_taken_at_its_word() -> None:
    changing = "    payload['x'] = 1\n    return requests.post(BASE + path, json=payload)"
    rebound = module_helper(changing).replace(
        "\n\n\ndef notify", "\n\n_post = retry(_post)\n\n\ndef notify"
    )
    assert rewritten(rebound)  # what _post is when called is not the def


def test_a_method_called_from_a_function_nested_in_another_is_followed() -> None:
    nested = f"""\
class Wallet:
    def _post(self, path, payload):
        payload["x"] = 1
        return requests.post(path, json=payload)

    def notify(self, token):
        def later():
            return self._post("https://h/v2/messages/sendInbox", {PAYLOAD})
        return later
"""
    check_manual(nested, "the payload goes through _post(), which reads or sets an item of it")
    assert rewritten(
        f"def notify(self, token):\n    return self._post('https://h/v2/messages/sendInbox', {PAYLOAD})\n"
    )


def test_a_payload_after_star_arguments_is_left() -> None:
    source = f"""\
class Wallet:
    def _post(self, *args):
        return requests.post(*args)

    def notify(self, token):
        return self._post(*self.prefix, "https://h/v2/messages/sendInbox", {PAYLOAD})
"""
    check_manual(source, "the payload reaches _post() by *args or **kwargs")


BASE_CLIENT = """\
class Base(object):
    def _post(self, path, payload):
        payload["authClientId"] = self.auth_client_id
        return self.session.post(self.base + path, json=payload)


class Middle(Base):
    pass


"""


def test_a_method_a_base_class_of_the_module_defines_is_followed() -> None:
    source = (
        f"{BASE_CLIENT}class Inbox(Middle):\n    def notify(self, token):\n"
        f'        return self._post("/v2/messages/sendInbox", {PAYLOAD})\n'
    )
    check_manual(source, "the payload goes through _post(), which reads or sets an item of it")
    # a base from elsewhere comes first: it may define _post, and is taken at its word
    assert rewritten(source.replace("class Inbox(Middle)", "class Inbox(Session, Middle)"))
    # the class's own method comes before its bases'
    own = "    def _post(self, path, payload):\n        return requests.post(path, json=payload)\n"
    assert rewritten(source.replace("class Inbox(Middle):\n", f"class Inbox(Middle):\n{own}"))


def test_bases_are_searched_in_order_and_not_too_deep() -> None:
    call = f'        return self._post("/v2/messages/sendInbox", {PAYLOAD})\n'
    other = "class Other(object):\n    pass\n\n\n"
    # Other (and object) define no _post: Middle's base does
    source = (
        f"{BASE_CLIENT}{other}class Inbox(Other, Middle):\n    def notify(self, token):\n{call}"
    )
    check_manual(source, "the payload goes through _post(), which reads or sets an item of it")
    # a method no class of the module defines is taken at its word
    assert rewritten(source.replace("self._post(", "self._send("))
    # bases up a few levels are followed; a cycle of bases (which Python refuses) ends
    deep = "class D1(Middle):\n    pass\n\n\nclass D2(D1):\n    pass\n\n\nclass D3(D2):\n    pass\n\n\n"
    source = f"{BASE_CLIENT}{deep}class Inbox(D3):\n    def notify(self, token):\n{call}"
    check_manual(source, "the payload goes through _post(), which reads or sets an item of it")
    cycle = "class A(B):\n    pass\n\n\nclass B(A):\n    pass\n\n\n"
    assert rewritten(f"{cycle}class Inbox(A):\n    def notify(self, token):\n{call}")


def kwargs_helper(body: str) -> str:
    return (
        "import requests\n\n\nclass Wallet:\n"
        f"    def _post(self, path, **kwargs):\n{body}\n\n"
        "    def notify(self, token):\n"
        f"        return self._post('/v2/messages/sendInbox', timeout=5, json={PAYLOAD})\n"
    )


@pytest.mark.parametrize(
    "body",
    [
        "        return self.session.post(self.base + path, **kwargs)",
        "        kwargs.setdefault('timeout', 10)\n        kwargs['headers'] = self.headers\n"
        "        if 'verify' in kwargs:\n            log.info(kwargs.pop('verify'))\n"
        "        return self.session.post(self.base + path, **kwargs)",
        # handed on whole to helpers that send it as given
        "        return self._send(path, **kwargs)\n\n"
        "    def _send(self, path, **kwargs):\n        return requests.post(path, **kwargs)",
        "        return self._send('POST', path, **kwargs)\n\n"
        "    def _send(self, method, path, json=None, timeout=5):\n"
        "        return requests.request(method, path, json=json, timeout=timeout)",
        "        return self._send(path, **kwargs)\n\n"
        "    def _send(self, path, **kwargs):\n        return self._sent(path, **kwargs)\n\n"
        "    def _sent(self, path, **kwargs):\n        return requests.post(path, **kwargs)",
        # taken out of the kwargs and sent as it is
        "        body = kwargs.get('json')\n        return self.session.post(self.base + path, json=body)",
    ],
    ids=["passes-on", "other-keys", "another-helper", "named", "deeper", "taken-out"],
)
def test_a_payload_passed_on_whole_in_kwargs_is_followed(body: str) -> None:
    assert rewritten(kwargs_helper(body))


@pytest.mark.parametrize(
    "body",
    [
        "        kwargs['json']['authClientId'] = self.client_id\n"
        "        return self.session.post(self.base + path, **kwargs)",
        "        return self.session.post(self.base + path, json=kwargs)",
        # which keys it sets is not seen: maybe the payload's
        "        kwargs.update(self.defaults)\n"
        "        return self.session.post(self.base + path, **kwargs)",
    ],
    ids=["item", "whole", "update"],
)
def test_a_payload_in_kwargs_the_helper_does_more_with_leaves_the_call(body: str) -> None:
    check_manual(
        kwargs_helper(body),
        "the payload goes into _post() as json= in **kwargs, which it does more with than "
        "pass on: migrate it with the calls to it by hand",
    )


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (
            "        return self._send(path, **kwargs)\n\n"
            "    def _send(self, path, json=None, **kwargs):\n"
            "        json['authClientId'] = self.client_id\n"
            "        return requests.post(path, json=json, **kwargs)",
            "the payload goes through _send(), which reads or sets an item of it before it is "
            "sent: migrate _send() with the calls to it by hand",
        ),
        (
            "        return self._send(path, **kwargs)\n\n"
            "    def _send(self, path, **kwargs):\n"
            "        kwargs['json'] = {**kwargs['json'], 'authClientId': self.client_id}\n"
            "        return requests.post(path, **kwargs)",
            "the payload goes into _send() as json= in **kwargs, which it does more with than "
            "pass on: migrate it with the calls to it by hand",
        ),
        (
            "        return self._send(path, **kwargs)\n\n"
            "    def _send(self, path):\n        return requests.post(path)",
            "the payload reaches _send() as json=, which it does not take: migrate _send() "
            "with the calls to it by hand",
        ),
        (
            "        return self._a(path, **kwargs)\n\n"
            "    def _a(self, path, **kwargs):\n        return self._b(path, **kwargs)\n\n"
            "    def _b(self, path, **kwargs):\n        return self._c(path, **kwargs)\n\n"
            "    def _c(self, path, **kwargs):\n        return requests.post(path, **kwargs)",
            "the payload goes through helpers more than 3 deep, down to _c()",
        ),
        (
            "        return self._send(path, **kwargs)\n\n"
            "    def _send(self, path, **kwargs):\n"
            "        if path == '/v2/messages/sendInbox':\n            kwargs['timeout'] = 30\n"
            "        return requests.post(path, **kwargs)",
            "the legacy path goes through _send(), which tells paths apart: migrate _send() "
            "with the calls to it by hand",
        ),
    ],
    ids=["named-changes", "kwargs-changes", "not-taken", "too-deep", "path"],
)
def test_a_payload_in_kwargs_handed_to_a_helper_that_may_change_it_leaves_the_call(
    body: str, why: str
) -> None:
    check_manual(kwargs_helper(body), why)


def test_a_helper_that_takes_the_method_sends_what_the_call_names() -> None:
    helper = (
        "    def _request(self, method, path, payload=None):\n"
        "        data = json.dumps(payload) if payload is not None else None\n"
        "        return requests.request(method, self.base + path, data=data)\n\n"
    )
    source = (
        f"import json\nimport requests\n\n\nclass Client:\n{helper}"
        f"    def inbox(self, token):\n"
        f'        return self._request("POST", "/v2/messages/sendInbox", {PAYLOAD})\n'
    )
    assert rewritten(source)  # "is not None" does not look into the payload
    check_manual(
        source.replace('_request("POST"', '_request("GET"'),
        "the call sends GET, and the shim translates POST alone",
    )


def decorated(decorator: str, definition: str = "") -> str:
    return module_helper("    return requests.post(BASE + path, json=payload)").replace(
        "def _post(", f"{textwrap.dedent(definition)}\n\n{decorator}\ndef _post("
    )


@pytest.mark.parametrize(
    ("decorator", "definition"),
    [
        (
            "@logged",
            """\
            def logged(fn):
                @functools.wraps(fn)
                def wrapper(*args, **kwargs):
                    log.info("calling %s", fn.__name__)
                    return fn(*args, **kwargs)
                return wrapper
            """,
        ),
        (
            "@retry(3)",
            """\
            def retry(times):
                def decorate(fn):
                    def wrapper(self, *args, **kwargs):
                        for _ in range(times - 1):
                            try:
                                return fn(self, *args, **kwargs)
                            except OSError:
                                pass
                        return fn(self, *args, **kwargs)
                    return wrapper
                return decorate
            """,
        ),
        ("@register", "HANDLERS = []\n\ndef register(fn):\n    HANDLERS.append(fn)\n    return fn"),
        ("@tenacity.retry(stop=tenacity.stop_after_attempt(3))", ""),  # an installed one
        ("@staticmethod", ""),
    ],
    ids=["wrapper", "factory", "registers", "installed", "python"],
)
def test_a_helper_whose_decorators_hand_the_arguments_on_is_rewritten_through(
    decorator: str, definition: str
) -> None:
    assert rewritten(decorated(decorator, definition))


@pytest.mark.parametrize(
    ("decorator", "definition", "why"),
    [
        (
            "@with_client_id",
            """\
            def with_client_id(fn):
                def wrapper(path, body):
                    body.setdefault("appId", APP_ID)
                    return fn(path, body)
                return wrapper
            """,
            "which does more with the arguments than hand them on",
        ),
        (
            "@defaults",
            """\
            def defaults(fn):
                def wrapper(*args, **kwargs):
                    return fn(*args[:1], {**DEFAULTS, **args[1]}, **kwargs)
                return wrapper
            """,
            "which does more with the arguments than hand them on",
        ),
        (
            "@cached",
            "def cached(fn):\n    return CACHE.setdefault(fn.__name__, fn)",
            "which does more with the arguments than hand them on",
        ),
        (
            "@timed",
            """\
            def timed(fn):
                def wrapper(path, *args, **kwargs):
                    return fn(path, *args, **kwargs)
                return wrapper
            """,
            "which does more with the arguments than hand them on",
        ),
        (
            "@Traced",
            "class Traced:\n    def __init__(self, fn):\n        self.fn = fn",
            "a class of the project's, which compat migrate does not follow",
        ),
    ],
    ids=["named-parameters", "reads-args", "returns-another", "named-and-star", "class"],
)
def test_a_helper_wrapped_by_a_decorator_of_the_project_that_may_change_the_payload_is_left(
    decorator: str, definition: str, why: str
) -> None:
    check_manual(
        decorated(decorator, definition),
        f"the payload goes through _post(), which is wrapped by {decorator}, {why}: "
        "migrate _post() with the calls to it by hand",
    )
