"""The ``compat`` command line.

Exit codes: 0 done, 1 the input was rejected (a validation or translation
error), 2 a usage error (bad options, unreadable file).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import io
import json
import os
import re
import sys
import tempfile
import time
import warnings
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Optional

from . import __version__, _json, _spec
from .errors import CompatError

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from ._http import App
    from .audit import Fixable
    from .translate import Policy, Translation

__all__ = ["main"]

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


def _translators() -> dict[str, Callable[[Any, Policy], Translation]]:
    """``compat translate --from`` choices: each legacy endpoint by its command-line name."""
    from .translate import TRANSLATORS

    return {
        endpoint.cli_name: TRANSLATORS[name] for name, endpoint in _spec.LEGACY_ENDPOINTS.items()
    }


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line (``compat audit: error: argument --jobs: ...``), exit 2;
    ``--help`` shows the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(
    convert: Callable[[str], Any], low: float, high: float, what: str
) -> Callable[[str], Any]:
    """An argparse type: a number from ``low`` to ``high`` (``what`` says which)."""

    def parse(value: str) -> Any:
        try:
            number = convert(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value!r}")
        return number

    return parse


def _count(minimum: int) -> Callable[[str], int]:
    """A whole number, ``minimum`` or more."""
    return _number(int, minimum, float("inf"), f"a whole number, {minimum} or more")


_port = _number(int, 0, 65535, "a port number from 0 to 65535")
_rate = _number(float, 0, 1, "a rate from 0 to 1")
_seconds = _number(float, 0, sys.float_info.max, "seconds, 0 or more")


def _rule_ids(value: str) -> list[str]:
    """Rule ids, comma-separated (``CPT001,CPT004``)."""
    from ._source.rules import RULES

    known = {rule.id for rule in RULES}
    ids = [part.strip().upper() for part in value.split(",") if part.strip()]
    unknown = [rule for rule in ids if rule not in known]
    if not ids or unknown:
        msg = f"expected rule ids from {', '.join(sorted(known))}, got {value!r}"
        raise argparse.ArgumentTypeError(msg)
    return ids


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), _port(port)


def _sunset(value: str) -> str:
    from .gateway import _http_date

    try:
        _http_date(value)
    except ValueError:
        msg = f"expected an HTTP-date or an ISO 8601 date, got {value!r}"
        raise argparse.ArgumentTypeError(msg) from None
    return value


#: Python parameter names in library messages -> the flags a user of the command typed.
_FLAG_OF = {
    "base_url": "--upstream",
    "template_codes": "--template-code",
    "sunset": "--sunset",
    "prefix": "--prefix",
}
_POLICY_HINT = re.compile(r'Policy\((\w+)="?([^")]*)"?\)|Policy\.(\w+)')


def _as_flags(message: str, parser: Optional[argparse.ArgumentParser] = None) -> str:
    """A library message as a user of the command line reads it: each parameter of the
    command's options (``private_key``) and each ``Policy(...)`` hint named by its flag."""
    flags = dict(_FLAG_OF)
    if parser is not None:
        for action in parser._actions:  # names of two words or more: never plain words
            if action.option_strings and "_" in action.dest and action.dest not in flags:
                flags[action.dest] = action.option_strings[0]

    def hint(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        flag = flags.get(name, "--" + name.replace("_", "-"))
        return f"{flag} {match.group(2)}" if match.group(1) else flag

    message = _POLICY_HINT.sub(hint, message)
    words = re.compile(r"\b(" + "|".join(map(re.escape, flags)) + r")\b")
    return words.sub(lambda m: flags[m.group(1)], message)


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


#: the command line's destinations of the Policy options: each the Policy field it sets,
#: but ``template_code`` (pairs, for ``template_codes``)
_POLICY_OPTIONS = (
    "app_id",
    "default_redirect_url",
    "overlong_request_id",
    "missing_request_id",
    "template_code",
    "unknown_fields",
    "keep_moved_parameters",
)


def _policy(values: Mapping[str, Any]) -> Policy:
    """The Policy of the options given by their destinations."""
    from .translate import Policy

    fields = {dest: values[dest] for dest in _POLICY_OPTIONS if dest in values}
    if "template_code" in fields:
        fields["template_codes"] = dict(fields.pop("template_code"))
    return Policy(**fields)


def policy_from_args(args: argparse.Namespace) -> Policy:
    try:
        return _policy(vars(args))
    except (TypeError, ValueError) as err:
        raise _UsageError(_as_flags(str(err), args.parser)) from err


def _read_input(name: str) -> bytes:
    """The bytes of a file named on the command line; ``-`` is stdin."""
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
        payload = _json.loads(raw)
    except _json.BadJSON as err:
        print(f"compat: {args.file}: {err}", file=sys.stderr)
        return EXIT_REJECTED
    with warnings.catch_warnings():
        # Lossy changes are listed below with the others; no second report.
        warnings.simplefilter("ignore")
        try:
            translation = _translators()[args.source](payload, policy)
        except CompatError as err:
            print(f"compat: error: {_as_flags(str(err), args.parser)}", file=sys.stderr)
            return EXIT_REJECTED
    json.dump(translation.to_wire(), sys.stdout, ensure_ascii=False, indent=args.indent)
    sys.stdout.write("\n")
    for change in translation.changes:
        prefix = "warning: " if change.lossy else ""
        print(f"compat: {prefix}{change}", file=sys.stderr)
    return EXIT_OK


def _read_key(path: Optional[str]) -> Optional[bytes]:
    return None if path is None else _read_input(path)


def _serve(
    app: App, args: argparse.Namespace, banner: Callable[[], list[str]], processes: int = 1
) -> None:
    """Listen, print ``banner()``, log at ``--log-level`` (as ``--log-format``), and
    serve ``app`` until SIGINT or SIGTERM; then answer the requests in flight and return."""
    from ._logs import configure
    from ._serve import run_processes

    where = f"{app.host}:{app.port}"

    try:
        server = app.listen(fast=True)
    except OSError as err:
        msg = f"cannot listen on {where}: {err.strerror}"
        raise _UsageError(msg) from err
    for line in banner():
        print(line, flush=True)
    configure(args.log_level, args.log_format)
    if processes > 1:
        run_processes(server, processes)
    else:
        server.run()


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox import Faults, Sandbox

    try:
        faults = Faults(
            unknown_after_store=args.unknown_rate,
            error_before_store=args.error_rate,
            drop_after_store=args.drop_rate,
            delay=args.delay,
        )
        sandbox = Sandbox(
            args.host,
            args.port,
            prefix=args.prefix,
            client_id=args.client_id,
            merchant_public_key=_read_key(args.merchant_public_key),
            platform_private_key=_read_key(args.platform_private_key),
            access_tokens=set(args.access_token) if args.access_token else None,
            faults=faults,
            seed=args.seed,
            strict=not args.lenient,
            templates=args.templates,
            max_body=args.max_body,
            max_messages=args.max_messages,
        )
    except ValueError as err:
        raise _UsageError(_as_flags(str(err), args.parser)) from err
    _serve(
        sandbox,
        args,
        lambda: [
            f"compat sandbox serving on {sandbox.url}",
            f"  inbox:    http://{sandbox.host}:{sandbox.port}/_sandbox/",
            f"  messages: http://{sandbox.host}:{sandbox.port}/_sandbox/messages",
        ],
    )
    print(f"compat sandbox stopped; {sandbox.total} message(s) received", flush=True)
    return EXIT_OK


#: A ``[tool.compat]`` file and the Policy options it sets (by their destinations).
_ConfigPolicy = tuple[str, tuple[tuple[str, Any], ...]]


def _fixable(policy: Optional[_ConfigPolicy]) -> tuple[Optional[Fixable], str]:
    """The codemod, to tell which findings it rewrites (under the policy ``compat migrate``
    takes from ``[tool.compat]``), when the extra is installed; and what its answers
    depend on besides the files (libcst's install, the policy), for the audit's cache."""
    spec = importlib.util.find_spec("libcst")
    if spec is None:
        return None, "without the codemod"
    stat = os.stat(spec.origin) if spec.origin else None
    setting = f"libcst {spec.origin} {stat and (stat.st_size, stat.st_mtime_ns)}; "
    if not policy:
        return _fixable_lines, setting + "the default policy"
    return functools.partial(_fixable_lines, policy=policy), setting + repr(policy[1])


def _fixable_lines(
    text: str, policy: Optional[_ConfigPolicy] = None, *, path: Optional[str] = None
) -> Collection[int]:
    # imported only for a file with a finding (most files of a tree have none), and so is
    # the translator the policy is built with
    from .migrate import Options, fixable_lines

    options = Options(policy=_config_policy(*policy)) if policy else None
    return fixable_lines(text, options, path=path)


@functools.lru_cache(maxsize=4)
def _config_policy(path: str, values: tuple[tuple[str, Any], ...]) -> Policy:
    """The Policy of ``[tool.compat]`` in ``path``; :class:`ConfigError` naming the key
    of a value it refuses."""
    from ._config import ConfigError

    try:
        return _policy(dict(values))
    except (TypeError, ValueError) as err:
        keys = re.sub(r"(?<![\w-])--(?=[a-z])", "", _as_flags(str(err)))
        raise ConfigError(f"{path}: [tool.compat] {keys}") from err


def _audit(args: argparse.Namespace) -> int:
    from ._config import ConfigError
    from ._source.rules import SEVERITIES
    from .audit import Cache, render, scan_report
    from .audit._cache import default_directory

    progress = _progress("compat audit", args)
    fixable, setting = _fixable(getattr(args, "migrate_config", None))
    try:
        report = scan_report(
            args.paths,
            exclude=args.exclude,
            jobs=args.jobs,
            max_bytes=args.max_size,
            fixable=fixable,
            select=args.select,
            ignore=args.ignore or (),
            gitignore=args.respect_gitignore,
            skip=[args.output] if args.output else (),
            progress=progress,
            cache=Cache.open(default_directory(), setting) if args.cache else None,
        )
    except FileNotFoundError as err:
        print(f"compat audit: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as err:  # a policy value compat migrate refuses, for fixable
        print(f"compat audit: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        progress.close()
    text = render(report, args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", errors="backslashreplace") as file:
                file.write(text)
        except OSError as err:
            msg = f"cannot write {args.output}: {err.strerror}"
            raise _UsageError(msg) from err
        print(
            f"compat audit: {len(report.findings)} finding(s); report written to {args.output}",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    for skipped in report.errors:
        print(f"compat audit: error: {skipped.path}: {skipped.reason}", file=sys.stderr)
    if report.errors:
        return EXIT_USAGE
    threshold = SEVERITIES.index(args.fail_on)
    failing = [f for f in report.findings if SEVERITIES.index(f.severity) <= threshold]
    return EXIT_REJECTED if failing and not args.exit_zero else EXIT_OK


def _configured(
    parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Optional[Sequence[str]]
) -> argparse.Namespace:
    """The arguments again, with ``[tool.compat]`` of the nearest pyproject.toml (to the
    first PATH, or the file ``--stdin-filename`` names, or here) as defaults: the flags
    given win."""
    from ._config import find, load, read

    first = args.paths[0] if args.paths and args.paths[0] != "-" else "."
    if args.paths == ["-"] and getattr(args, "stdin_filename", None):
        first = args.stdin_filename
    path = find(first)
    if path is None:
        return args
    command = "audit" if args.handler is _audit else "migrate"
    table = read(path)
    values = load(path, command, table)
    lists = {key: values.pop(key) for key in ("select", "ignore") if key in values}
    args.parser.set_defaults(**values)
    args = parser.parse_args(argv)
    if command == "audit" and args.select is None and args.ignore is None:
        # a rule selection on the command line replaces the config's, both keys
        args.select, args.ignore = lists.get("select"), lists.get("ignore")
    policy = tuple(
        (k, tuple(v) if isinstance(v, list) else v)
        for k, v in load(path, "migrate", table).items()
        if k in _POLICY_OPTIONS
    )
    if command == "migrate":
        _config_policy(path, policy)  # a value it refuses is the config's to name
    elif policy:  # what compat migrate would run under there, for fixable (built when used)
        args.migrate_config = (path, policy)
    args.config = path
    return args


def _progress(label: str, args: argparse.Namespace) -> Any:
    from ._progress import Progress, wanted

    return Progress(label, sys.stderr, enabled=wanted(sys.stderr, args.quiet))


def _migrate(args: argparse.Namespace) -> int:
    # libcst is loaded when a file holds something to migrate (most files of a tree do
    # not): whether it is installed is told here, before any is read
    if importlib.util.find_spec("libcst") is None:
        raise _UsageError("compat migrate needs libcst: pip install 'compat[migrate]'")
    from .migrate import Options, rule_names

    if args.list_rules:
        from .migrate.rules import RULES

        for name, module in RULES.items():
            print(f"{name:<16} {module.SUMMARY}")
        return EXIT_OK
    if not args.paths:
        raise _UsageError("compat migrate needs a PATH (or - for stdin)")
    if args.only or args.skip:
        known = rule_names()
        for name in [*args.only, *args.skip]:
            if name not in known:
                raise _UsageError(f"no rule named {name!r} (rules: {', '.join(known)})")
    policy = policy_from_args(args)
    options = Options(
        policy=policy,
        annotate=not args.no_annotate,
        only=tuple(args.only),
        skip=tuple(args.skip),
    )
    if args.paths == ["-"]:
        return _migrate_stdin(args, options)
    if args.stdin_filename is not None:
        raise _UsageError("--stdin-filename names the file read from stdin: give - as the PATH")
    from .migrate._files import migrate_paths, unified_diff, write

    started = time.perf_counter()
    progress = _progress("compat migrate", args)
    unwritten = []

    def changed(result: Any) -> None:
        if args.diff:
            sys.stdout.write(unified_diff(result.path, result.original, result.result.source))
        elif not args.check:
            why = write(result)
            if why is not None:  # reported; the others are still written
                unwritten.append(result.path)
                print(f"compat migrate: error: {result.path}: {why}", file=sys.stderr)

    try:
        summary = migrate_paths(
            args.paths,
            options,
            args.jobs,
            args.max_size,
            exclude=args.exclude,
            gitignore=args.respect_gitignore,
            progress=progress,
            changed=changed,
        )
    except FileNotFoundError as err:
        raise _UsageError(str(err)) from err
    finally:
        progress.close()
    _migrate_report(summary, args, time.perf_counter() - started)
    if unwritten or summary.errors:
        return EXIT_USAGE
    if summary.changed and not args.exit_zero_even_if_changed:
        return EXIT_REJECTED
    return EXIT_OK


def _migrate_stdin(args: argparse.Namespace, options: Any) -> int:
    from .migrate import MigrateError, migrate_source
    from .migrate._files import decode, encode, unified_diff

    shown = args.stdin_filename or "-"
    try:
        text, encoding = decode(sys.stdin.buffer.read())
        result = migrate_source(text, options, path=args.stdin_filename)
        source = encode(result.source, encoding)
    except MigrateError as err:
        print(f"compat migrate: {shown}: skipped: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.diff:
        sys.stdout.write(unified_diff(shown, text, result.source))
    elif not args.check:
        out = sys.stdout
        if isinstance(out, _Output):
            out.write_bytes(source)
        else:  # called with streams of its own
            out.buffer.write(source)
    for site in result.manual:
        print(
            f"compat migrate: {shown}:{site.line}: manual ({site.rule}): {site.reason}",
            file=sys.stderr,
        )
    if result.changed and not args.exit_zero_even_if_changed:
        return EXIT_REJECTED
    return EXIT_OK


def _migrate_report(summary: Any, args: argparse.Namespace, seconds: float) -> None:
    verb = "would change" if args.check or args.diff else "changed"
    rewrites = ", ".join(f"{rule} {n}" for rule, n in sorted(summary.rewrites.items())) or "none"
    for path, site in summary.manual:
        print(
            f"compat migrate: {path}:{site.line}: manual ({site.rule}): {site.reason}",
            file=sys.stderr,
        )
    for f in summary.skipped:
        print(f"compat migrate: {f.path}: skipped: {f.skipped}", file=sys.stderr)
    print(
        f"compat migrate: {len(summary.changed)} file(s) {verb}; sites rewritten: {rewrites}; "
        f"{len(summary.manual)} site(s) left for manual work; {summary.count} file(s) in "
        f"{seconds:.2f} s",
        file=sys.stderr,
    )


def _gateway(args: argparse.Namespace) -> int:
    from ._metrics import MULTIPROCESS_VARIABLE, multiprocess

    host, port = args.listen
    with contextlib.ExitStack() as cleanup:
        if args.processes > 1 and not multiprocess():
            # the workers' metrics meet in a folder, set before prometheus_client loads
            folder = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="compat-metrics-"))
            os.environ[MULTIPROCESS_VARIABLE] = folder
        from .gateway import Gateway

        try:
            gateway = Gateway(
                args.upstream,
                args.client_id,
                private_key=_read_key(args.private_key),
                caller_public_key=_read_key(args.caller_public_key),
                platform_public_key=_read_key(args.platform_public_key),
                verify_callers=not args.no_verify_callers,
                policy=policy_from_args(args),
                host=host,
                port=port,
                sunset=args.sunset,
                workers=args.workers,
                trace=args.trace,
                max_body=args.max_body,
                drain_timeout=args.drain_timeout,
            )
        except ValueError as err:
            raise _UsageError(_as_flags(str(err), args.parser)) from err
        _serve(
            gateway,
            args,
            lambda: [f"compat gateway serving on {gateway.url} -> {gateway.successor}"],
            args.processes,
        )
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from .demo import run

    return run(sys.stdout)


def _file_options(parser: argparse.ArgumentParser) -> None:
    """How both source tools choose and read files: one set of options, one meaning."""
    from ._source import DEFAULT_MAX_BYTES

    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave out files and folders: a GLOB without / matches a name anywhere, one "
        "with / a path from the PATH given or as shown (repeatable; adds to the "
        "config's exclude)",
    )
    parser.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        help="also read what git ignores (.gitignore, .git/info/exclude, global excludes)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress line on the terminal"
    )
    parser.add_argument("--jobs", type=_count(1), help="worker processes (default: one per core)")
    parser.add_argument(
        "--max-size",
        type=_count(1),
        default=DEFAULT_MAX_BYTES,
        metavar="BYTES",
        help=f"skip larger files (default {DEFAULT_MAX_BYTES}); they are reported as skipped",
    )


def _log_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="info",
        help="log lines on stderr from this level up (default info: a line per call)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="log lines as text or as one JSON object each (default text)",
    )


def _max_body_option(parser: argparse.ArgumentParser) -> None:
    from ._http import DEFAULT_MAX_BODY

    parser.add_argument(
        "--max-body",
        type=_count(1),
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help=f"refuse larger request bodies with HTTP 413 (default {DEFAULT_MAX_BODY})",
    )


class _Completion(argparse.Action):
    """``--print-completion SHELL``: the completion script shtab makes of this parser."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: Optional[str] = None,
    ) -> None:
        try:
            import shtab
        except ImportError:
            parser.exit(
                EXIT_USAGE,
                "compat: error: --print-completion needs shtab: pip install 'compat[completion]'\n",
            )
        sys.stdout.write(shtab.complete(parser, shell=values))
        parser.exit(EXIT_OK)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="compat",
        description="Keep legacy Mini Program message calls working, then migrate them away.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--print-completion",
        choices=("bash", "zsh", "tcsh"),
        action=_Completion,
        help="print a shell completion script for compat and exit (the completion extra)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    translate = commands.add_parser(
        "translate",
        help="print the new endpoint's body for a legacy one",
        description=(
            "Read a legacy JSON request body and print the /v2/miniprogram/message/send body "
            "on stdout; the changes made go to stderr. Exit 1 when the body is rejected."
        ),
    )
    translate.add_argument(
        "--from",
        dest="source",
        required=True,
        choices=sorted(e.cli_name for e in _spec.LEGACY_ENDPOINTS.values()),
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

    sandbox = commands.add_parser(
        "sandbox",
        help="run the embedded message platform locally",
        description=(
            "Serve /v2/miniprogram/message/send and the two legacy endpoints on this machine, "
            "validating as the platform does, until interrupted. See what arrived on the inbox "
            "page /_sandbox/, or as JSON at /_sandbox/messages and /_sandbox/requests; "
            "DELETE /_sandbox/messages resets."
        ),
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    sandbox.add_argument("--port", type=_port, default=8080, help="port (default 8080; 0: any)")
    sandbox.add_argument("--prefix", default="", help="a wallet path prefix, e.g. /api/open")
    sandbox.add_argument("--client-id", help="answer INVALID_CLIENT to other Client-Id headers")
    sandbox.add_argument(
        "--merchant-public-key", metavar="PEM", help="verify request signatures with this key"
    )
    sandbox.add_argument(
        "--platform-private-key", metavar="PEM", help="sign responses with this key"
    )
    sandbox.add_argument(
        "--access-token",
        action="append",
        metavar="TOKEN",
        help="accept only these tokens (repeatable); others get INVALID_ACCESS_TOKEN",
    )
    sandbox.add_argument(
        "--lenient", action="store_true", help="accept body fields the spec does not list"
    )
    sandbox.add_argument(
        "--templates",
        metavar="FILE",
        help=(
            "JSON of templateCode -> language -> text with ${name} placeholders (or a list of "
            '{"templateCode", "language", "text"} records), to show messages with on the '
            "inbox page"
        ),
    )
    _max_body_option(sandbox)
    _log_options(sandbox)
    sandbox.add_argument(
        "--max-messages",
        type=_count(1),
        default=10_000,
        metavar="N",
        help="messages (and requests) kept, the oldest going first (default 10000)",
    )
    faults = sandbox.add_argument_group("fault injection (rates 0..1, repeatable with --seed)")
    faults.add_argument("--unknown-rate", type=_rate, default=0.0, help="U after storing")
    faults.add_argument("--error-rate", type=_rate, default=0.0, help="HTTP 500 before storing")
    faults.add_argument(
        "--drop-rate", type=_rate, default=0.0, help="close without answer after storing"
    )
    faults.add_argument("--delay", type=_seconds, default=0.0, help="seconds before each answer")
    faults.add_argument("--seed", type=int, default=0, help="seed of the fault draws")
    sandbox.set_defaults(handler=_sandbox)

    demo = commands.add_parser(
        "demo",
        help="a tour: legacy calls through the shim to an in-process sandbox",
        description=(
            "Start a sandbox platform in this process, send a legacy sendInbox and a legacy "
            "sendByAccessToken through LegacyClient (signed with throwaway keys when "
            "'compat[rsa]' is installed), and show the warnings, what the platform received, "
            "the legacy-shaped answers and the audit log."
        ),
    )
    demo.set_defaults(handler=_demo)

    from .audit import FORMATS

    audit = commands.add_parser(
        "audit",
        help="find every deprecated use in a source tree",
        description=(
            "Find the deprecated endpoints in code of any language and in configuration "
            "(comments and documents reported apart), and in Python also concatenated paths, "
            "calls and imports of the drop-in shim and legacy payload literals. "
            "Exit 1 when anything is found, 0 when clean, 2 on errors."
        ),
    )
    audit.add_argument("paths", nargs="+", metavar="PATH", help="files and folders to scan")
    audit.add_argument("--format", choices=sorted(FORMATS), default="text", help="report format")
    audit.add_argument("--output", metavar="FILE", help="write the report to FILE")
    audit.add_argument(
        "--fail-on",
        choices=("error", "warning", "note"),
        default="warning",
        help="exit 1 for findings of this severity or worse (default warning: notes, "
        "such as mentions in comments and documents, never fail)",
    )
    audit.add_argument(
        "--select",
        type=_rule_ids,
        action="extend",
        metavar="RULES",
        help="report only these rules, e.g. CPT001,CPT004 (repeatable)",
    )
    audit.add_argument(
        "--ignore",
        type=_rule_ids,
        action="extend",
        metavar="RULES",
        help="do not report these rules, e.g. CPT005 (repeatable)",
    )
    audit.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when something is found"
    )
    audit.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="scan every file again: no results of earlier runs are taken or kept (kept in "
        "COMPAT_CACHE_DIR, default the user's cache folder, e.g. ~/.cache/compat)",
    )
    _file_options(audit)
    audit.set_defaults(handler=_audit)

    migrate = commands.add_parser(
        "migrate",
        help="rewrite deprecated call sites to call the new API directly",
        description=(
            "Rewrite calls of LegacyClient's legacy methods and raw posts of legacy payloads to "
            "legacy paths so that they send the new endpoint's body directly. What cannot be "
            "done safely is left as it is, reported, and marked with a "
            "'# compat: migrate manually:' comment. Exit 1 when a file changed (or would), "
            "0 when there is nothing to do, 2 on errors."
        ),
    )
    migrate.add_argument("paths", nargs="*", metavar="PATH", help="files and folders; - for stdin")
    migrate.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="with -, the file the source on stdin is: [tool.compat] is found from it, helpers "
        "it imports from the project are read beside it, and messages name it",
    )
    migrate.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    migrate.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if anything would change"
    )
    migrate.add_argument(
        "--only", action="append", default=[], metavar="RULE", help="run only RULE (repeatable)"
    )
    migrate.add_argument(
        "--skip", action="append", default=[], metavar="RULE", help="do not run RULE (repeatable)"
    )
    migrate.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    migrate.add_argument(
        "--no-annotate", action="store_true", help="do not mark manual sites with a comment"
    )
    _file_options(migrate)
    migrate.add_argument(
        "--exit-zero-even-if-changed", action="store_true", help="exit 0 even when files changed"
    )
    add_policy_options(migrate)
    migrate.set_defaults(handler=_migrate)

    gateway = commands.add_parser(
        "gateway",
        help="serve the legacy endpoints to callers in any language, on the new one",
        description=(
            "Accept POSTs to the two legacy endpoints (any wallet prefix), check the caller's "
            "signature, translate, send upstream to /v2/miniprogram/message/send (re-signed, "
            "retried with the same requestId), and answer in the legacy shape, signed, with "
            "Deprecation, Sunset and Link headers. Other paths get INVALID_API."
        ),
    )
    gateway.add_argument(
        "--upstream", required=True, metavar="URL", help="the new endpoint's base URL"
    )
    gateway.add_argument("--client-id", required=True, help="the merchant's Client-Id")
    gateway.add_argument("--private-key", metavar="PEM", help="the merchant private key")
    gateway.add_argument(
        "--caller-public-key",
        metavar="PEM",
        help="check callers with this key (default: the private key's)",
    )
    gateway.add_argument(
        "--platform-public-key", metavar="PEM", help="check the upstream's response signatures"
    )
    gateway.add_argument("--no-verify-callers", action="store_true", help="accept unsigned calls")
    gateway.add_argument(
        "--listen",
        type=_listen,
        default="127.0.0.1:8081",
        metavar="HOST:PORT",
        help="address and port to serve on (default 127.0.0.1:8081; port 0: any)",
    )
    gateway.add_argument(
        "--sunset", type=_sunset, metavar="DATE", help="the Sunset date to announce"
    )
    gateway.add_argument(
        "--workers",
        type=_count(1),
        default=16,
        help="calls served at once by each process, one thread each (default 16); "
        "idle and slow connections take none",
    )
    gateway.add_argument(
        "--processes",
        type=_count(1),
        default=1,
        help="worker processes sharing the port (default 1; about one per core)",
    )
    gateway.add_argument(
        "--drain-timeout",
        type=_number(float, 1, 3600, "seconds from 1 to 3600"),
        default=30.0,
        metavar="SECONDS",
        help="on SIGTERM, time to answer the calls in flight before exiting (default 30)",
    )
    _max_body_option(gateway)
    gateway.add_argument(
        "--trace",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=(
            "send each call's legacy original upstream for the sandbox's inbox page "
            "(default: only when the upstream is on a loopback address)"
        ),
    )
    add_policy_options(gateway)
    _log_options(gateway)
    gateway.set_defaults(handler=_gateway)
    for command in commands.choices.values():
        command.set_defaults(parser=command)  # errors name this command's flags
    return parser


class _Output:
    """The command's stdout or stderr: text the stream's encoding cannot carry (a file
    name that is not UTF-8, a terminal in ASCII) is escaped; once the reader is gone (a
    closed pipe, ``compat demo | head -n 1``), the rest is dropped, so the command
    finishes and exits with its own status, without a traceback."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.gone = False
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._went()
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        """Bytes as they are (a source in its own encoding)."""
        self.flush()
        if not self.gone:
            try:
                self._stream.buffer.write(data)
                self._stream.buffer.flush()
            except BrokenPipeError:
                self._went()

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._went()

    def _went(self) -> None:
        self.gone = True
        # what is still buffered would fail again at exit: the descriptor goes to devnull
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Optional[Sequence[str]] = None) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Output(sys.stdout), _Output(sys.stderr)
    try:
        return _main(argv)
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        sys.stdout, sys.stderr = streams


def _main(argv: Optional[Sequence[str]]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.handler in (_audit, _migrate):
        try:
            args = _configured(parser, args, argv)
        except ValueError as err:  # the config's ConfigError
            print(f"compat: error: {err}", file=sys.stderr)
            return EXIT_USAGE
    if getattr(args, "indent", None) is not None and args.indent < 0:
        args.indent = None
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except _UsageError as err:
        print(f"compat: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as err:
        if err.name not in _EXTRAS:
            raise
        hint = "" if "pip install" in str(err) else f": pip install 'compat[{_EXTRAS[err.name]}]'"
        print(f"compat: error: {err}{hint}", file=sys.stderr)
        return EXIT_USAGE


#: Packages of the extras: a command that needs one says how to install it.
_EXTRAS = {
    "cryptography": "rsa",
    "libcst": "migrate",
    "prometheus_client": "gateway",
    "aiohttp": "gateway",
}
