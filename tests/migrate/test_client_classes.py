"""A call through an object of a class of the project's (a ``requests.Session`` of its
own with a base URL, say) is rewritten only when that class sends the body as given:
an override of the method called, or of one the HTTP client sends through
(``request``, ``send``, ``urlopen``...), that changes the body would change the new
body too, which the shim never saw."""

from __future__ import annotations

import textwrap

import pytest

from compat.migrate import migrate_source

from .helpers import options
from .test_helpers import NEW, PAYLOAD

SESSION = """\
import requests


class WalletSession(requests.Session):
    def __init__(self, base_url="https://w"):
        super().__init__()
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
{body}
        return super().request(method, self.base_url + url, *args, **kwargs)
"""

ADDS_CLIENT_ID = """\
        body = kwargs.get("json")
        if isinstance(body, dict):
            body.setdefault("authClientId", CLIENT_ID)"""

SETS_TIMEOUT = """\
        kwargs.setdefault("timeout", 8)
        kwargs["headers"] = {**self.headers, "X-Trace": trace_id()}"""

ADDS = (
    "session is a WalletSession, a class of the project's: the body goes through "
    'WalletSession.request(), which reads or sets "json" in its **kwargs: '
    "migrate the calls through WalletSession.request() by hand"
)


def site(receiver: str, before: str = "") -> str:
    before = f"{before}\n" if before else ""
    return (
        f"def notify(token):\n{before}"
        f"    return {receiver}.post('/v2/messages/sendInbox', json={PAYLOAD}).json()\n"
    )


def outcome(source: str) -> tuple[bool, list[str]]:
    result = migrate_source(textwrap.dedent(source), options())
    return NEW in result.source, [s.reason for s in result.manual]


@pytest.mark.parametrize(
    ("binding", "receiver"),
    [
        ("session = WalletSession()\n\n\n", "session"),
        ("", "session"),  # bound in the function
        ("", "with"),
    ],
    ids=["module", "local", "with"],
)
def test_a_session_of_the_project_that_changes_the_body_leaves_the_call(
    binding: str, receiver: str
) -> None:
    if receiver == "with":
        call = site("session", "    with WalletSession() as session:").replace(
            "    return session", "        return session"
        )
    elif binding:
        call = site(receiver)
    else:
        call = site(receiver, "    session = WalletSession()")
    changing = SESSION.format(body=ADDS_CLIENT_ID)
    assert outcome(f"{changing}\n\n{binding}{call}") == (False, [ADDS])
    passing = SESSION.format(body=SETS_TIMEOUT)
    assert outcome(f"{passing}\n\n{binding}{call}") == (True, [])


def test_an_attribute_the_class_assigns_a_session_of_the_project_is_read() -> None:
    notifier = (
        "class Notifier:\n    def __init__(self):\n        self.http = WalletSession()\n\n"
        "    def notify(self, token):\n"
        f"        return self.http.post('/v2/messages/sendInbox', json={PAYLOAD})\n"
    )
    changing = SESSION.format(body=ADDS_CLIENT_ID)
    assert outcome(f"{changing}\n\n{notifier}") == (
        False,
        [ADDS.replace("session is", "self.http is")],
    )
    assert outcome(f"{SESSION.format(body=SETS_TIMEOUT)}\n\n{notifier}") == (True, [])


def test_self_in_a_session_of_the_project_is_read() -> None:
    method = (
        "\n    def notify(self, token):\n"
        f"        return self.post('/v2/messages/sendInbox', json={PAYLOAD})\n"
    )
    assert outcome(SESSION.format(body=ADDS_CLIENT_ID) + method) == (
        False,
        [ADDS.replace("session is", "self is")],
    )
    assert outcome(SESSION.format(body=SETS_TIMEOUT) + method) == (True, [])


@pytest.mark.parametrize(
    ("override", "why"),
    [
        (
            "    def post(self, url, json=None, **kwargs):\n"
            "        json = {**(json or {}), 'authClientId': CLIENT_ID}\n"
            "        return super().post(url, json=json, **kwargs)\n",
            "the payload goes through Wallet.post(), which binds json anew before it is sent: "
            "migrate Wallet.post() with the calls to it by hand",
        ),
        (
            "    def send(self, request, **kwargs):\n"
            "        request.body = request.body.replace(b'authClientId', b'appId')\n"
            "        return super().send(request, **kwargs)\n",
            "the body goes through Wallet.send(), which sets the body of the request it sends: "
            "migrate the calls through Wallet.send() by hand",
        ),
        (
            "    def request(self, method, url, **kwargs):\n"
            "        if url.endswith('sendInbox'):\n            kwargs['timeout'] = 30\n"
            "        return super().request(method, url, **kwargs)\n",
            "the URL goes through Wallet.request(), which tells URLs apart: migrate the calls "
            "through Wallet.request() by hand",
        ),
        (
            "    def request(self, method, url, *args, **kwargs):\n"
            "        log.info('%s', args[0])\n"
            "        return super().request(method, url, *args, **kwargs)\n",
            "the body goes through Wallet.request(), which does more with its *args than pass "
            "them on: migrate the calls through Wallet.request() by hand",
        ),
        (
            "    def urlopen(self, method, url, body=None, **kwargs):\n"
            "        body = sign(body.decode())\n"
            "        return super().urlopen(method, url, body=body, **kwargs)\n",
            "the body goes through Wallet.urlopen(), which binds body anew: migrate the "
            "calls through Wallet.urlopen() by hand",
        ),
        (
            "    def request(self, method, url, **kwargs):\n"
            "        kwargs.update(self.defaults)\n"
            "        return super().request(method, url, **kwargs)\n",
            "the body goes through Wallet.request(), which does more with its **kwargs than "
            "pass them on: migrate the calls through Wallet.request() by hand",
        ),
    ],
    ids=["post", "send", "url", "args", "urlopen", "kwargs"],
)
def test_overrides_that_may_change_what_is_sent_leave_the_call(override: str, why: str) -> None:
    source = (
        f"import requests\n\n\nclass Wallet(requests.Session):\n{override}\n\n"
        f"wallet = Wallet()\n\n\n{site('wallet')}"
    )
    assert outcome(source) == (False, [f"wallet is a Wallet, a class of the project's: {why}"])


@pytest.mark.parametrize(
    "override",
    [
        "    def send(self, request, **kwargs):\n"
        "        return super().send(request, timeout=5, **kwargs)\n",
        "    def request(self, method, url, data=None, json=None, **kwargs):\n"
        "        log.info('POST %s', url)\n"
        "        return super().request(method, BASE + url, data=data, json=json, **kwargs)\n",
        "    def close(self):\n        log.info('closing')\n",
    ],
    ids=["send", "named-body", "other-method"],
)
def test_overrides_that_pass_the_body_on_keep_the_call_rewritten(override: str) -> None:
    source = (
        f"import requests\n\n\nclass Wallet(requests.Session):\n{override}\n\n"
        f"wallet = Wallet()\n\n\n{site('wallet')}"
    )
    assert outcome(source) == (True, [])


def test_a_class_from_an_installed_library_is_taken_at_its_word() -> None:
    source = f"import requests\n\nsession = requests.Session()\n\n\n{site('session')}"
    assert outcome(source) == (True, [])


@pytest.mark.parametrize(
    ("code", "receiver"),
    [
        ("def notify(session: WalletSession, token):\n    {call}\n", "session"),
        ("def notify(session: 'Optional[WalletSession]', token):\n    {call}\n", "session"),
        ("def notify(session: WalletSession | None, token):\n    {call}\n", "session"),
        (
            "def get_session() -> WalletSession:\n    return SESSIONS[0]\n\n\n"
            "def notify(token):\n    {call}\n",
            "get_session()",
        ),
        (
            "def make_session():\n    made = WalletSession()\n    made.headers['X'] = '1'\n"
            "    return made\n\n\ndef notify(token):\n    session = make_session()\n    {call}\n",
            "session",
        ),
        (
            "class Billing:\n    session: WalletSession\n\n"
            "    def __init__(self, session):\n        self.session = session\n\n"
            "    def notify(self, token):\n        {call}\n",
            "self.session",
        ),
        (
            "class Billing:\n    def __init__(self, session: WalletSession):\n"
            "        self.session = session\n\n"
            "    def notify(self, token):\n        {call}\n",
            "self.session",
        ),
    ],
    ids=["parameter", "string", "union", "returns", "factory", "class-annotation", "injected"],
)
def test_what_the_source_says_a_receiver_is_is_read(code: str, receiver: str) -> None:
    call = f"return {receiver}.post('/v2/messages/sendInbox', json={PAYLOAD}).json()"
    source = SESSION.format(body=ADDS_CLIENT_ID) + "\n\n" + code.format(call=call)
    assert outcome(source) == (False, [ADDS.replace("session is", f"{receiver} is")])
    passing = SESSION.format(body=SETS_TIMEOUT) + "\n\n" + code.format(call=call)
    assert outcome(passing) == (True, [])


def test_an_annotation_that_is_not_python_says_nothing() -> None:
    source = (
        f"{SESSION.format(body=ADDS_CLIENT_ID)}\n\ndef notify(session: 'Wallet(', token):\n"
        f"    return session.post('/v2/messages/sendInbox', json={PAYLOAD})\n"
    )
    assert outcome(source) == (True, [])


def test_names_bound_to_each_other_end() -> None:
    source = (
        f"{SESSION.format(body=ADDS_CLIENT_ID)}\n\nfirst = second\nsecond = first\n\n\n"
        f"{site('first')}"
    )
    assert outcome(source) == (True, [])  # nothing says what they are


def test_an_object_imported_from_an_installed_library_is_taken_at_its_word() -> None:
    source = f"from wallet_sdk import session\n\n\n{site('session')}"
    assert outcome(source) == (True, [])


def test_kwargs_a_helper_hands_to_a_session_of_the_project_are_read_there() -> None:
    client = (
        "class Client:\n    def __init__(self):\n        self.http = WalletSession()\n\n"
        "    def _post(self, path, **kwargs):\n"
        "        return self.http.post(path, timeout=5, **kwargs)\n\n"
        "    def notify(self, token):\n"
        f"        return self._post('/v2/messages/sendInbox', json={PAYLOAD})\n"
    )
    assert outcome(f"{SESSION.format(body=ADDS_CLIENT_ID)}\n\n{client}") == (
        False,
        [ADDS.replace("session is", "self.http is")],
    )
    assert outcome(f"{SESSION.format(body=SETS_TIMEOUT)}\n\n{client}") == (True, [])


ADAPTER = """\
import json

import requests
from requests.adapters import HTTPAdapter


class ClientIdAdapter(HTTPAdapter):
    def send(self, request, **kwargs):
{body}
        return super().send(request, **kwargs)


"""


@pytest.mark.parametrize(
    "mounting",
    [
        "session = requests.Session()\nsession.mount('https://', ClientIdAdapter())\n\n\n{site}",
        "class Client:\n    def __init__(self):\n        self.session = requests.Session()\n"
        "        self.session.mount('https://', ClientIdAdapter(max_retries=3))\n\n"
        "    def notify(self, token):\n"
        "        return self.session.post('https://w/v2/messages/sendInbox', json={payload})\n",
    ],
    ids=["module", "attribute"],
)
def test_an_adapter_of_the_project_mounted_on_the_session_is_read(mounting: str) -> None:
    changes = (
        "        body = json.loads(request.body)\n"
        "        body.setdefault('authClientId', CLIENT_ID)\n"
        "        request.prepare_body(None, None, json=body)"
    )
    call = site("session").replace("'/v2/", "'https://w/v2/")
    tail = mounting.format(site=call, payload=PAYLOAD)
    label = "session" if "self" not in mounting else "self.session"
    assert outcome(ADAPTER.format(body=changes) + tail) == (
        False,
        [
            f"{label} has a ClientIdAdapter mounted, a class of the project's: the body goes "
            "through ClientIdAdapter.send(), which rebuilds the body of the request it sends "
            "(prepare_body()): migrate the calls through ClientIdAdapter.send() by hand"
        ],
    )
    counts = "        log.info('sending %s', request.method)"
    assert outcome(ADAPTER.format(body=counts).replace("request.method", "1") + tail) == (
        True,
        [],
    )


def test_an_adapter_that_signs_the_body_keeps_the_call_rewritten() -> None:
    signs = (
        "        request.headers['X-Signature'] = sign(request.body)\n"
        "        log.debug('sending %s', request)"
    )
    source = (
        ADAPTER.format(body=signs)
        + "session = requests.Session()\nsession.mount('https://', ClientIdAdapter())\n\n\n"
        + site("session").replace("'/v2/", "'https://w/v2/")
    )
    assert outcome(source) == (True, [])


AUTH = """\
import requests


def sign_body(request):
{helper}


class WalletAuth(requests.auth.AuthBase):
    def __call__(self, r):
{body}
        return r


"""


@pytest.mark.parametrize(
    ("body", "helper", "why"),
    [
        ("        r.headers['Signature'] = sign(r.body)", "    pass", None),
        ("        sign_body(r)", "    request.headers['Signature'] = sign(request.body)", None),
        (
            "        r.body = r.body.replace(b'appId', b'authClientId')",
            "    pass",
            "sets the body of the request it sends",
        ),
        (
            "        r.prepare_body(None, None, json=add_client_id(r))",
            "    pass",
            "rebuilds the body of the request it sends (prepare_body())",
        ),
        (
            "        sign_body(r)",
            "    request.body = request.body + b' '",
            "sets the body of the request it sends",
        ),
        (
            "        self.signer.sign(r)",
            "    pass",
            "hands the request it sends to self.signer.sign(), which compat migrate does not "
            "follow",
        ),
        ("        r = r.copy()", "    pass", "binds r anew"),
    ],
    ids=["signs", "signs-in-a-helper", "sets", "rebuilds", "helper-sets", "unknown", "rebinds"],
)
@pytest.mark.parametrize("given", ["keyword", "session"])
def test_an_auth_of_the_project_that_changes_the_body_leaves_the_call(
    body: str, helper: str, why: str, given: str
) -> None:
    if given == "keyword":
        call = (
            "def notify(token):\n    return requests.post('https://w/v2/messages/sendInbox', "
            f"json={PAYLOAD}, auth=WalletAuth())\n"
        )
    else:
        call = "session = requests.Session()\nsession.auth = WalletAuth()\n\n\n" + site(
            "session"
        ).replace("'/v2/", "'https://w/v2/")
    result = outcome(AUTH.format(body=body, helper=helper) + call)
    if why is None:
        assert result == (True, [])
    else:
        assert result == (
            False,
            [
                f"the body goes through WalletAuth.__call__(), the auth of the call, which {why}: "
                "migrate the calls through WalletAuth.__call__() by hand"
            ],
        )


def test_an_httpx_auth_flow_is_read() -> None:
    source = (
        "import httpx\n\n\nclass WalletAuth(httpx.Auth):\n"
        "    def auth_flow(self, request):\n"
        "        request.headers['Signature'] = sign(request.content)\n        yield request\n\n\n"
        "def notify(token):\n    with httpx.Client(auth=WalletAuth()) as client:\n"
        f"        return client.post('https://w/v2/messages/sendInbox', json={PAYLOAD})\n"
    )
    assert outcome(source) == (True, [])
    changed = source.replace(
        "request.headers['Signature'] = sign(request.content)", "request.stream = rewrite(request)"
    )
    why = (
        "the body goes through WalletAuth.auth_flow(), the auth of the call, which sets the "
        "stream of the request it sends: migrate the calls through WalletAuth.auth_flow() by hand"
    )
    assert outcome(changed) == (False, [why])  # given to the client
    given_to_the_call = changed.replace("httpx.Client(auth=WalletAuth())", "httpx.Client()")
    given_to_the_call = given_to_the_call.replace(
        f"json={PAYLOAD})", f"json={PAYLOAD}, auth=WalletAuth())"
    )
    assert outcome(given_to_the_call) == (False, [why])


@pytest.mark.parametrize(
    ("reads", "rewritten"),
    [
        # signs the body it reads, and sends it as given
        ("        body = kw.get('body') or b''\n        kw['headers'] = sign(body)", True),
        ("        kw['headers'] = sign(kw['body'])", True),
        ("        if kw.get('body') is None:\n            log.info('no body')", True),
        # changes it, or hands it to a helper of the project's
        ("        body = kw.get('body')\n        body['authClientId'] = CLIENT_ID", False),
        ("        kw['body'] = kw.get('body', b'') + b' '", False),
        ("        body = kw.pop('body')\n        kw['body'] = body", False),
        ("        kw['headers'] = _sign(kw['body'])", False),
        ("        kw['headers'] = _digest(kw['body'])", True),
        ("        body = kw.get('body')\n        kw['headers'] = _digest(body)", True),
        ("        body = kw.get('body')\n        kw['headers'] = _sign(body)", False),
    ],
    ids=[
        "binds",
        "argument",
        "none-test",
        "item",
        "set",
        "pop",
        "helper",
        "reader",
        "bound-reader",
        "bound-helper",
    ],
)
def test_an_override_that_only_reads_the_body_in_its_kwargs_keeps_the_call(
    reads: str, rewritten: bool
) -> None:
    source = (
        "import urllib3\n\n\ndef _sign(body):\n    body['x'] = 1\n\n\n"
        "def _digest(body):\n    return {'Digest': hashlib.sha256(body).hexdigest()}\n\n\n"
        "class SigningPool(urllib3.PoolManager):\n"
        f"    def urlopen(self, method, url, **kw):\n{reads}\n"
        "        return super().urlopen(method, url, **kw)\n\n\n"
        "pool = SigningPool()\n\n\n"
        "def notify(token):\n"
        "    return pool.request('POST', 'https://w/v2/messages/sendInbox', "
        f"body=json.dumps({PAYLOAD}).encode())\n"
    )
    assert outcome(source)[0] is rewritten
