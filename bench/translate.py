"""Translations per second of compat's translators, against two baselines in the same run.

- floor: a hand-written dict-to-dict translation of the same rules with the same
  checks (types, required fields, UTF-16 lengths, renames, the pushContentUrl
  move), the fastest a team could reasonably write by hand;
- pydantic: the same validation with pydantic v2 models, a legacy and a new
  one (its lengths are counted in code points, not UTF-16 units, so it does a
  little less work than the others);
- pydantic, idiomatic: one pydantic v2 model per endpoint as its docs would have
  it: snake_case fields with camelCase aliases, strict types, and one
  after-validator that counts lengths in UTF-16 units and moves pushContentUrl;
  the new body is built from the model.

Each contender returns the new JSON body as a dict, and all of them are checked
to return the same body before timing. Nine runs of each, taking turns; prints
the median µs per call with the range of the runs, calls per second, and the
ratios (run against run: median and range).

    python bench/translate.py            # about 10 s
    python bench/translate.py --quick    # a smoke run (CI)

Targets: compat within 2x of the floor, and faster than both pydantic contenders.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import timeit
from typing import Any, Callable, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, model_validator

import compat

from _common import verdict

TOKEN = "2019112719074101000700000077771xxxx"

SEND_INBOX = {
    "accessToken": TOKEN,
    "authClientId": "2021004125637654",
    "requestId": "order-2024-11-27-000123456",
    "templateCode": "TP_5800000001",
    "templates": [
        {
            "templateParameters": {
                "who": "Somchai",
                "amount": "฿1,250.00",
                "pushContentUrl": "/pages/orders/detail?id=123456",
            },
            "language": "th-TH",
        },
        {
            "templateParameters": {
                "who": "Somchai",
                "amount": "THB 1,250.00",
                "pushContentUrl": "/pages/orders/detail?id=123456",
            },
            "language": "en-US",
        },
    ],
    "extendInfo": '{"channel":"INBOX"}',
}

SEND_BY_ACCESS_TOKEN = {
    "appId": "2021004125637654",
    "accessToken": TOKEN,
    "requestId": "order-2024-11-27-000123456",
    "templateCode": "TP_5800000002",
    "templates": [
        {
            "templateParameters": {
                "who": "Somchai",
                "pushContentUrl": "/pages/orders/detail?id=123456",
            },
            "language": "en-US",
        }
    ],
}


# -- floor: hand-written dict -> dict ------------------------------------------


def _u16(value: str) -> int:
    return len(value) if value.isascii() else len(value.encode("utf-16-le", "surrogatepass")) // 2


def _string(payload: dict[str, Any], key: str, limit: int, required: bool = True) -> Optional[str]:
    value = payload.get(key)
    if value is None:
        if required:
            raise ValueError(f"{key} is missing")
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    if _u16(value) > limit:
        raise ValueError(f"{key} is too long")
    return value


_KNOWN = {
    "sendInbox": {
        "accessToken",
        "authClientId",
        "requestId",
        "templateCode",
        "templates",
        "extendInfo",
        "redirectUrl",
    },
    "sendByAccessToken": {
        "appId",
        "accessToken",
        "requestId",
        "templateCode",
        "templates",
        "extendInfo",
        "redirectUrl",
    },
}


def floor(endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
    unknown = payload.keys() - _KNOWN[endpoint]
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    inbox = endpoint == "sendInbox"
    app_id = _string(payload, "authClientId" if inbox else "appId", 32)
    token = _string(payload, "accessToken", 128)
    request_id = _string(payload, "requestId", 64)
    code = _string(payload, "templateCode", 64)
    top = _string(payload, "redirectUrl", 2048, required=False)
    extend = _string(payload, "extendInfo", 4096, required=False)
    templates = payload.get("templates")
    if not isinstance(templates, list) or not 1 <= len(templates) <= 5:
        raise ValueError("templates must be a list of 1 to 5")
    out_templates = []
    moved = None
    for template in templates:
        if not isinstance(template, dict) or template.keys() - {"templateParameters", "language"}:
            raise ValueError("bad template")
        params = template.get("templateParameters")
        if not isinstance(params, dict):
            raise ValueError("templateParameters must be an object")
        for key, value in params.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValueError("templateParameters must map strings to strings")
        url = params.get("pushContentUrl")
        if url is not None:
            if moved is not None and url != moved:
                raise ValueError("different pushContentUrl values")
            moved = url
            params = {k: v for k, v in params.items() if k != "pushContentUrl"}
        out = {"templateParameters": params}
        language = template.get("language")
        if language is not None:
            if not isinstance(language, str):
                raise ValueError("language must be a string")
            out["language"] = language
        out_templates.append(out)
    if top is not None and moved is not None and top != moved:
        raise ValueError("redirectUrl conflicts with pushContentUrl")
    redirect = top or moved
    if redirect is not None and _u16(redirect) > 2048:
        raise ValueError("redirectUrl is too long")
    if inbox and redirect is None:
        raise ValueError("redirectUrl is missing")
    body: dict[str, Any] = {
        "appId": app_id,
        "accessToken": token,
        "requestId": request_id,
        "templateCode": code,
    }
    if redirect is not None:
        body["redirectUrl"] = redirect
    body["templates"] = out_templates
    if extend is not None:
        body["extendInfo"] = extend
    return body


# -- pydantic v2 ---------------------------------------------------------------


class _Template(BaseModel):
    model_config = ConfigDict(extra="forbid")
    templateParameters: dict[StrictStr, StrictStr]
    language: Optional[StrictStr] = None


class _Legacy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accessToken: StrictStr = Field(min_length=1, max_length=128)
    requestId: StrictStr = Field(min_length=1, max_length=64)
    templateCode: StrictStr = Field(min_length=1, max_length=64)
    templates: list[_Template] = Field(min_length=1, max_length=5)
    extendInfo: Optional[StrictStr] = Field(default=None, max_length=4096)
    redirectUrl: Optional[StrictStr] = Field(default=None, max_length=2048)


class _SendInbox(_Legacy):
    authClientId: StrictStr = Field(min_length=1, max_length=32)


class _SendByAccessToken(_Legacy):
    appId: StrictStr = Field(min_length=1, max_length=32)


class _NewRequest(BaseModel):
    appId: StrictStr = Field(max_length=32)
    accessToken: StrictStr = Field(max_length=128)
    requestId: StrictStr = Field(max_length=64)
    templateCode: StrictStr = Field(max_length=64)
    redirectUrl: Optional[StrictStr] = Field(default=None, max_length=2048)
    templates: list[_Template] = Field(min_length=1, max_length=5)
    extendInfo: Optional[StrictStr] = Field(default=None, max_length=4096)

    @model_validator(mode="after")
    def _inbox_needs_redirect(self) -> _NewRequest:
        return self


def pydantic(endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
    inbox = endpoint == "sendInbox"
    legacy = (_SendInbox if inbox else _SendByAccessToken).model_validate(payload)
    moved = None
    templates = []
    for template in legacy.templates:
        params = dict(template.templateParameters)
        url = params.pop("pushContentUrl", None)
        if url is not None:
            if moved is not None and url != moved:
                raise ValueError("different pushContentUrl values")
            moved = url
        templates.append(_Template(templateParameters=params, language=template.language))
    if legacy.redirectUrl is not None and moved is not None and legacy.redirectUrl != moved:
        raise ValueError("redirectUrl conflicts with pushContentUrl")
    redirect = legacy.redirectUrl or moved
    if inbox and redirect is None:
        raise ValueError("redirectUrl is missing")
    new = _NewRequest(
        appId=legacy.authClientId if isinstance(legacy, _SendInbox) else legacy.appId,
        accessToken=legacy.accessToken,
        requestId=legacy.requestId,
        templateCode=legacy.templateCode,
        redirectUrl=redirect,
        templates=templates,
        extendInfo=legacy.extendInfo,
    )
    return new.model_dump(exclude_none=True)


# -- pydantic v2, idiomatic --------------------------------------------------------

_LIMITS = {
    "access_token": 128,
    "request_id": 64,
    "template_code": 64,
    "extend_info": 4096,
    "redirect_url": 2048,
    "app_id": 32,
}


class _IdiomaticLegacy(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    access_token: str = Field(alias="accessToken", min_length=1)
    request_id: str = Field(alias="requestId", min_length=1)
    template_code: str = Field(alias="templateCode", min_length=1)
    templates: list[_Template] = Field(min_length=1, max_length=5)
    extend_info: Optional[str] = Field(default=None, alias="extendInfo")
    redirect_url: Optional[str] = Field(default=None, alias="redirectUrl")

    @model_validator(mode="after")
    def _new_rules(self) -> _IdiomaticLegacy:
        for name, limit in _LIMITS.items():
            value = getattr(self, name, None)
            if value is not None and _u16(value) > limit:
                raise ValueError(f"{name} is longer than {limit} UTF-16 units")
        moved = None
        for template in self.templates:
            url = template.templateParameters.pop("pushContentUrl", None)
            if url is not None:
                if moved is not None and url != moved:
                    raise ValueError("different pushContentUrl values")
                moved = url
        if self.redirect_url is not None and moved is not None and self.redirect_url != moved:
            raise ValueError("redirectUrl conflicts with pushContentUrl")
        self.redirect_url = self.redirect_url or moved
        return self

    def new_body(self, app_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "appId": app_id,
            "accessToken": self.access_token,
            "requestId": self.request_id,
            "templateCode": self.template_code,
        }
        if self.redirect_url is not None:
            body["redirectUrl"] = self.redirect_url
        body["templates"] = [t.model_dump(exclude_none=True) for t in self.templates]
        if self.extend_info is not None:
            body["extendInfo"] = self.extend_info
        return body


class _IdiomaticInbox(_IdiomaticLegacy):
    app_id: str = Field(alias="authClientId", min_length=1)

    @model_validator(mode="after")
    def _inbox_needs_redirect(self) -> _IdiomaticInbox:
        if self.redirect_url is None:
            raise ValueError("redirectUrl is missing")
        return self


class _IdiomaticByToken(_IdiomaticLegacy):
    app_id: str = Field(alias="appId", min_length=1)


def pydantic_idiomatic(endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
    model = _IdiomaticInbox if endpoint == "sendInbox" else _IdiomaticByToken
    legacy = model.model_validate(payload)
    return legacy.new_body(legacy.app_id)


# -- compat ----------------------------------------------------------------------

_POLICY = compat.Policy()


def with_compat(endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
    if endpoint == "sendInbox":
        return compat.translate_send_inbox(payload, _POLICY).to_wire()
    return compat.translate_send_by_access_token(payload, _POLICY).to_wire()


# -- the run ---------------------------------------------------------------------

Contender = Callable[[str, dict[str, Any]], dict[str, Any]]
CONTENDERS: dict[str, Contender] = {
    "floor": floor,
    "pydantic": pydantic,
    "pydantic, idiomatic": pydantic_idiomatic,
    "compat": with_compat,
}


def per_call(
    contenders: dict[str, Contender], endpoint: str, payload: dict[str, Any], number: int
) -> dict[str, list[float]]:
    """Seconds per call of each contender in each run; the runs take turns, so that
    drift hits all alike, and run k of one contender is compared with run k of another."""
    timers = {
        name: timeit.Timer(lambda fn=fn: fn(endpoint, payload)) for name, fn in contenders.items()
    }
    for timer in timers.values():
        timer.timeit(number // 10)  # warm up
    runs: dict[str, list[float]] = {name: [] for name in timers}
    for _ in range(REPEATS):
        for name, timer in timers.items():
            runs[name].append(timer.timeit(number) / number)
    return runs


def ratio(runs: dict[str, list[float]], over: str, under: str) -> tuple[float, float, float]:
    """The median of ``over / under`` run by run, and its range."""
    ratios = [a / b for a, b in zip(runs[over], runs[under])]
    return statistics.median(ratios), min(ratios), max(ratios)


REPEATS = 9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    number = 500 if args.quick else 10_000

    for endpoint, payload in (
        ("sendInbox", SEND_INBOX),
        ("sendByAccessToken", SEND_BY_ACCESS_TOKEN),
    ):
        bodies = {name: fn(endpoint, copy.deepcopy(payload)) for name, fn in CONTENDERS.items()}
        if len({repr(b) for b in bodies.values()}) != 1:
            print(f"{endpoint}: the contenders disagree: {bodies}", file=sys.stderr)
            return 1
        for baseline in (pydantic, pydantic_idiomatic):
            for bad in ({"requestId": 5}, {"templateCode": "字" * 40 + "😀" * 13}):
                try:
                    baseline(endpoint, {**copy.deepcopy(payload), **bad})
                except ValidationError:
                    continue
                # the plain pydantic baseline counts code points: 53 of them pass
                if baseline is pydantic and "templateCode" in bad:
                    continue
                print(f"{baseline.__name__} accepted a bad payload: {bad}", file=sys.stderr)
                return 1

        runs = per_call(CONTENDERS, endpoint, payload, number)
        print(f"\n{endpoint} ({number} calls x {REPEATS} runs taking turns; medians, ranges)")
        for name, seconds in runs.items():
            middle = statistics.median(seconds)
            print(
                f"  {name:<20} {middle * 1e6:7.2f} µs/call ({min(seconds) * 1e6:.2f}-"
                f"{max(seconds) * 1e6:.2f})  {1 / middle:>10,.0f} calls/s"
            )
        vs_floor, low, high = ratio(runs, "compat", "floor")
        floor_verdict = verdict(vs_floor <= 2, "target <= 2x", args.quick)
        print(
            f"  compat / floor                = {vs_floor:.2f}x ({low:.2f}-{high:.2f})  "
            f"({floor_verdict})"
        )
        for name in ("pydantic", "pydantic, idiomatic"):
            middle, low, high = ratio(runs, name, "compat")
            judged = verdict(middle > 1, "target > 1x", args.quick)
            print(f"  {name + ' / compat':<29} = {middle:.2f}x ({low:.2f}-{high:.2f})  ({judged})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
