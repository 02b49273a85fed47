"""The ``compat`` command line.

Exit codes: 0 done, 1 the input was rejected (a validation or translation
error), 2 a usage error (bad options, unreadable file).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import TYPE_CHECKING, Any, Callable, Optional

from . import __version__
from .errors import CompatError
from .translate import (
    Policy,
    Translation,
    translate_send_by_access_token,
    translate_send_inbox,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2

_TRANSLATORS: dict[str, Callable[[Any, Policy], Translation]] = {
    "send-inbox": translate_send_inbox,
    "send-by-access-token": translate_send_by_access_token,
}


class _UsageError(Exception):
    pass


def _template_code(value: str) -> tuple[str, str]:
    old, sep, new = value.partition("=")
    if not sep or not old or not new:
        msg = f"expected OLD=NEW, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return old, new


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    """The options that build a :class:`~compat.Policy` (shared by the subcommands)."""
    group = parser.add_argument_group("translation policy")
    group.add_argument("--app-id", help="appId for sendInbox calls without authClientId")
    group.add_argument(
        "--default-redirect-url", metavar="URL", help="redirectUrl for calls that have none"
    )
    group.add_argument(
        "--overlong-request-id",
        choices=("error", "digest"),
        default="error",
        help="a requestId over 64 characters: reject it (default) or send its SHA-256 hex digest",
    )
    group.add_argument(
        "--missing-request-id",
        choices=("generate", "error"),
        default="generate",
        help="a sendByAccessToken call without requestId: generate a uuid4 (default) or reject",
    )
    group.add_argument(
        "--template-code",
        metavar="OLD=NEW",
        type=_template_code,
        action="append",
        default=[],
        help="map a legacy templateCode to a new one (repeatable)",
    )
    group.add_argument(
        "--unknown-fields",
        choices=("error", "drop"),
        default="error",
        help="unknown top-level keys: reject (default) or drop",
    )
    group.add_argument(
        "--keep-moved-parameters",
        action="store_true",
        help="keep pushContentUrl in templateParameters after moving it to redirectUrl",
    )


def policy_from_args(args: argparse.Namespace) -> Policy:
    try:
        return Policy(
            app_id=args.app_id,
            default_redirect_url=args.default_redirect_url,
            overlong_request_id=args.overlong_request_id,
            missing_request_id=args.missing_request_id,
            template_codes=dict(args.template_code),
            unknown_fields=args.unknown_fields,
            keep_moved_parameters=args.keep_moved_parameters,
        )
    except (TypeError, ValueError) as err:
        raise _UsageError(str(err)) from err


def _read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        with open(name, "rb") as file:
            return file.read()
    except OSError as err:
        msg = f"cannot read {name}: {err.strerror}"
        raise _UsageError(msg) from err


def _translate(args: argparse.Namespace) -> int:
    policy = policy_from_args(args)
    raw = _read_input(args.file)
    try:
        payload = json.loads(raw)
    except ValueError as err:
        print(f"compat: {args.file}: not valid JSON: {err}", file=sys.stderr)
        return EXIT_REJECTED
    with warnings.catch_warnings():
        # Lossy changes are listed below with the others; no second report.
        warnings.simplefilter("ignore")
        try:
            translation = _TRANSLATORS[args.source](payload, policy)
        except CompatError as err:
            print(f"compat: error: {err}", file=sys.stderr)
            return EXIT_REJECTED
    json.dump(translation.to_wire(), sys.stdout, ensure_ascii=False, indent=args.indent)
    sys.stdout.write("\n")
    for change in translation.changes:
        prefix = "warning: " if change.lossy else ""
        print(f"compat: {prefix}{change}", file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compat",
        description="Keep legacy Mini Program message calls working, then migrate them away.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    translate = commands.add_parser(
        "translate",
        help="translate a legacy request body to the new endpoint's",
        description=(
            "Read a legacy JSON request body and print the /v2/miniprogram/message/send body "
            "on stdout; the changes made go to stderr. Exit 1 when the body is rejected."
        ),
    )
    translate.add_argument(
        "--from",
        dest="source",
        required=True,
        choices=sorted(_TRANSLATORS),
        help="the legacy endpoint the body was for",
    )
    translate.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="the JSON body; - for stdin (default)"
    )
    translate.add_argument(
        "--indent", type=int, default=2, help="JSON indentation (default 2; -1 for one line)"
    )
    add_policy_options(translate)
    translate.set_defaults(handler=_translate)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "indent", None) is not None and args.indent < 0:
        args.indent = None
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except _UsageError as err:
        print(f"compat: error: {err}", file=sys.stderr)
        return EXIT_USAGE
