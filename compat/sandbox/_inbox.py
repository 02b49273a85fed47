"""The sandbox's inbox page: what each recipient would see, and how each message got there.

Rendered on the server from the stored messages (every value escaped), with a
strict Content-Security-Policy; a small script polls for changes and swaps the
list in. No build step, no dependency.
"""

from __future__ import annotations

import difflib
import html
import itertools
import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Optional, Union

import attrs

from .. import _spec
from .._validate import json_type
from ..models import mask_secret

__all__ = [
    "PAGE_HEADERS",
    "SCRIPT",
    "SHOWN",
    "STYLE",
    "Inbox",
    "TemplateRegistry",
    "fragment",
    "page",
]

_PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")

#: headers every inbox answer carries: nothing but its own script and style runs.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _language_key(language: str) -> str:
    return language.strip().replace("_", "-").lower()


@attrs.frozen
class TemplateRegistry:
    """Texts by templateCode and language, with ``${name}`` placeholders.

    Load one from a JSON file with :meth:`load`: an object
    (``{"ORDER_SHIPPED": {"en-US": "Order ${orderId} shipped"}}``; a plain
    text serves every language), or a list of records
    (``[{"templateCode": "ORDER_SHIPPED", "language": "en-US", "text": "..."}]``,
    ``language`` optional).
    """

    texts: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)

    @classmethod
    def load(
        cls, source: Union[TemplateRegistry, Mapping[str, Any], str, os.PathLike[str], None]
    ) -> TemplateRegistry:
        """A registry from a mapping, or from the JSON file at a path."""
        if source is None:
            return cls()
        if isinstance(source, TemplateRegistry):
            return source
        where = "templates"
        if isinstance(source, (str, os.PathLike)):
            where = f"templates file {os.fspath(source)}"
            try:
                with open(source, encoding="utf-8") as file:
                    source = json.load(file)
            except OSError as err:
                msg = f"{where}: cannot be read ({err.strerror})"
                raise ValueError(msg) from None
            except ValueError as err:
                msg = f"{where}: not valid JSON ({err})"
                raise ValueError(msg) from None
        if isinstance(source, list):
            source = _from_records(source, where)
        if not isinstance(source, Mapping):
            msg = (
                f"{where}: must be a JSON object of templateCode -> texts, or a list of "
                f"records, got {json_type(source)}"
            )
            raise ValueError(msg)
        texts: dict[str, dict[str, str]] = {}
        for code, value in source.items():
            if isinstance(value, str):
                texts[str(code)] = {"*": value}
                continue
            if not isinstance(value, Mapping) or not value:
                msg = (
                    f"{where}: {code!r} must be a text or an object of language -> text, "
                    f"got {json_type(value)}"
                )
                raise ValueError(msg)
            for language, text in value.items():
                if not isinstance(text, str):
                    msg = f"{where}: {code!r} {language!r} must be a text, got {json_type(text)}"
                    raise ValueError(msg)
            texts[str(code)] = {str(k): v for k, v in value.items()}
        return cls(texts)

    def __len__(self) -> int:
        return len(self.texts)

    def text(self, code: str, language: Optional[str]) -> Optional[str]:
        """The text for ``code`` in ``language`` (any, when none is given), or ``None``."""
        texts = self.texts.get(code)
        if not texts:
            return None
        if language is None:
            return texts.get("*", next(iter(texts.values())))
        wanted = _language_key(language)
        for name, text in texts.items():
            if name != "*" and _language_key(name) == wanted:
                return text
        return texts.get("*")

    def render(
        self, code: str, language: Optional[str], parameters: Mapping[str, Any]
    ) -> Optional[list[tuple[str, str]]]:
        """The text as ``(kind, text)`` pieces: ``text``, ``param`` or ``missing``."""
        text = self.text(code, language)
        if text is None:
            return None
        pieces: list[tuple[str, str]] = []
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            if match.start() > position:
                pieces.append(("text", text[position : match.start()]))
            name = match.group(1)
            if name in parameters:
                pieces.append(("param", _plain(parameters[name])))
            else:
                pieces.append(("missing", match.group(0)))
            position = match.end()
        if position < len(text):
            pieces.append(("text", text[position:]))
        return pieces


def _from_records(records: list[Any], where: str) -> dict[str, Any]:
    """``[{"templateCode", "language"?, "text"}, ...]`` as templateCode -> language -> text."""
    texts: dict[str, Any] = {}
    for n, record in enumerate(records):
        fields = record if isinstance(record, Mapping) else {}
        code, language, text = (fields.get(k) for k in ("templateCode", "language", "text"))
        if not isinstance(code, str) or not isinstance(text, str):
            msg = (
                f"{where}: record [{n}] must be an object with a templateCode and a text "
                f"(and a language), got {json.dumps(record, ensure_ascii=False)[:80]}"
            )
            raise ValueError(msg)
        texts.setdefault(code, {})[language if isinstance(language, str) else "*"] = text
    return texts


def _plain(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _e(value: object) -> str:
    return html.escape(_plain(value), quote=True)


# -- the page -----------------------------------------------------------------------


#: the page shows this many of the newest messages (all are at /_sandbox/messages).
SHOWN = 200


class Inbox(NamedTuple):
    """What the page shows, taken under the sandbox's lock."""

    #: the newest :data:`SHOWN` (recipient, message) pairs, oldest first.
    messages: Sequence[tuple[object, dict[str, Any]]]
    #: how many messages and recipients there are in all.
    total: int
    recipients: int
    #: moves whenever the page would change.
    version: int


def page(inbox: Inbox, registry: TemplateRegistry) -> str:
    """The whole page."""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>compat sandbox: inbox</title>\n"
        '<link rel="stylesheet" href="inbox.css">\n'
        '<script src="inbox.js" defer></script>\n'
        '<noscript><meta http-equiv="refresh" content="5"></noscript>\n'
        "</head>\n"
        f'<body data-version="{inbox.version}">\n'
        '<header class="top"><h1>Sandbox inbox</h1>'
        f'<p class="templates">{len(registry)} template(s) in the registry · '
        '<span id="live">updates by itself</span></p></header>\n'
        f'<main id="inbox">\n{fragment(inbox, registry)}</main>\n'
        "</body>\n</html>\n"
    )


def fragment(inbox: Inbox, registry: TemplateRegistry) -> str:
    """The message list: recipients with the newest message first, each newest first."""
    if not inbox.total:
        return (
            '<p class="empty">No messages yet. Send one to '
            f"<code>POST {_e(_spec.SEND.path)}</code> (or through the shim or the "
            "gateway) and it shows here.</p>\n"
        )
    groups: dict[object, list[dict[str, Any]]] = {}
    for recipient, message in reversed(inbox.messages):  # newest first, groups in order too
        groups.setdefault(recipient, []).append(message)
    count, recipients = inbox.total, inbox.recipients
    shown = len(inbox.messages)
    out = [
        f'<p class="summary">{count} message{"s" if count != 1 else ""} to '
        f"{recipients} recipient{'s' if recipients != 1 else ''}, newest first"
        + (
            f' (the newest {shown} here; all of them at <a href="messages">/_sandbox/messages</a>)'
            if shown < count
            else ""
        )
        + "</p>\n"
    ]
    for recipient, messages in groups.items():
        label = mask_secret(recipient).strip("'")
        out.append(
            f'<section class="recipient" data-recipient="{_e(label)}">\n'
            f"<h2>To <code>{_e(label)}</code> "
            f'<span class="count">{len(messages)} message{"s" if len(messages) != 1 else ""}'
            "</span></h2>\n"
        )
        out.extend(_message(message, registry) for message in messages)
        out.append("</section>\n")
    return "".join(out)


def _message(message: dict[str, Any], registry: TemplateRegistry) -> str:
    body = message["body"]
    legacy = message.get("legacy")
    code = body.get("templateCode")
    arrived = f"POST {message['path']}"
    if _spec.ENDPOINTS[message["endpoint"]].deprecated:
        arrived += " (deprecated)"
    parts = [
        f'<article class="message" data-request-id="{_e(message.get("requestId") or "")}">\n'
        '<header class="meta">'
        f'<span class="template-code">{_e(code)}</span> '
        f'<span class="endpoint">arrived on <code>{_e(arrived)}</code></span> '
    ]
    if legacy is not None:
        parts.append(
            f'<span class="via">via {_e(legacy["via"])} from '
            f"<code>POST {_e(legacy['path'])}</code></span> "
        )
    parts.append(f"<time>{_e(message['lastReceived'])}</time>")
    if message["count"] > 1:
        parts.append(f' <span class="repeat">received {message["count"]} times</span>')
    parts.append("</header>\n")
    parts.append(_contents(body, registry))
    parts.append(_link(_redirect(body)))
    if legacy is not None:
        parts.append(_diff(legacy, message))
    parts.append("</article>\n")
    return "".join(parts)


def _contents(body: dict[str, Any], registry: TemplateRegistry) -> str:
    """Each template as its text, or raw (the body was validated: its shape is known)."""
    code = body["templateCode"]
    out = ['<div class="contents">\n']
    for template in body["templates"]:
        language = template.get("language")
        parameters = template["templateParameters"]
        pieces = registry.render(code, language, parameters)
        lang = f' lang="{_e(language)}"' if language is not None else ""
        label = _e(language) if language is not None else "any language"
        if pieces is not None:
            text = "".join(
                _e(piece) if kind == "text" else f'<span class="{kind}">{_e(piece)}</span>'
                for kind, piece in pieces
            )
            out.append(
                f'<div class="template rendered"{lang}><span class="language">{label}</span>'
                f'<p class="text">{text}</p></div>\n'
            )
            continue
        why = "not in the registry" if code not in registry.texts else f"no {label} text"
        rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in parameters.items())
        out.append(
            f'<div class="template raw"{lang}><span class="language">{label}</span>'
            f'<p class="note">{_e(code)}: {why}; shown raw</p>'
            f'<dl class="parameters">{rows}</dl></div>\n'
        )
    out.append("</div>\n")
    return "".join(out)


def _redirect(body: dict[str, Any]) -> Optional[str]:
    """The click-through link, wherever the endpoint carries it."""
    for name in ("redirectUrl", *_spec.REDIRECT_ALIASES):
        if isinstance(body.get(name), str):
            return str(body[name])
    for template in body["templates"]:
        for parameter in _spec.MOVED_PARAMETERS:
            if isinstance(template["templateParameters"].get(parameter), str):
                return str(template["templateParameters"][parameter])
    return None


def _link(url: Optional[str]) -> str:
    if url is None:
        return '<p class="link none">No link: tapping it opens nothing.</p>\n'
    # as a browser reads an href: tabs and newlines dropped, controls and spaces trimmed
    href = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(33))))
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", href)
    if scheme is not None and scheme.group(1).lower() not in ("http", "https"):
        return f'<p class="link other">Opens <code>{_e(url)}</code> (not a web link)</p>\n'
    return (
        f'<p class="link">Opens <a href="{_e(href)}" rel="noopener noreferrer" '
        f'target="_blank">{_e(url)}</a></p>\n'
    )


def _diff(legacy: dict[str, Any], message: dict[str, Any]) -> str:
    old = json.dumps(legacy.get("body"), indent=2, ensure_ascii=False).splitlines()
    new = json.dumps(message["body"], indent=2, ensure_ascii=False).splitlines()
    rows: list[str] = []
    # a line that differs only by its trailing comma is the same line
    matcher = difflib.SequenceMatcher(
        None, [line.rstrip(",") for line in old], [line.rstrip(",") for line in new], False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        kind = {"equal": "same", "replace": "changed", "delete": "removed", "insert": "added"}[tag]
        for left, right in itertools.zip_longest(old[i1:i2], new[j1:j2]):
            rows.append(f'<tr class="{kind}">{_cell("old", left)}{_cell("new", right)}</tr>\n')
    changes = "".join(
        f'<li><span class="kind">{_e(kind)}</span> <code>{_e(field)}</code>: {_e(detail)}</li>'
        for kind, field, detail in legacy.get("changes", ())
    )
    return (
        '<details class="translation" open><summary>The legacy request, and what was sent'
        "</summary>\n"
        '<table class="diff"><thead><tr>'
        f'<th scope="col">legacy: POST {_e(legacy["path"])}</th>'
        f'<th scope="col">sent: POST {_e(message["path"])}</th>'
        "</tr></thead>\n<tbody>\n" + "".join(rows) + "</tbody></table>\n"
        f'<ul class="changes">{changes}</ul>\n</details>\n'
    )


def _cell(side: str, line: Optional[str]) -> str:
    if line is None:
        return f'<td class="{side} filler"></td>'
    return f'<td class="{side}"><code>{_e(line)}</code></td>'


STYLE = """\
:root { color-scheme: light; --ink: #1d2330; --muted: #5c667a; --line: #d9dee8;
  --old: #ffe9e9; --old-strong: #f7c1c1; --new: #e6f7ea; --new-strong: #b9e6c4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: #f5f7fb; }
header.top { padding: 16px 24px; background: #1d2330; color: #fff; }
header.top h1 { margin: 0; font-size: 20px; }
header.top p { margin: 4px 0 0; color: #c9d1e0; font-size: 13px; }
main { padding: 16px 24px; max-width: 1200px; }
.summary, .empty { color: var(--muted); }
section.recipient { margin: 0 0 24px; }
section.recipient h2 { font-size: 16px; margin: 0 0 8px; }
.count { color: var(--muted); font-weight: normal; font-size: 13px; }
article.message { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 16px; margin: 0 0 12px; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 13px; color: var(--muted); }
.template-code { font-weight: 600; color: var(--ink); }
.template { margin: 8px 0; }
.language { display: inline-block; font-size: 11px; color: var(--muted);
  border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
.text { margin: 4px 0; font-size: 16px; }
.param { background: #eef3ff; border-radius: 3px; padding: 0 2px; }
.missing { background: #fff4d6; border-radius: 3px; padding: 0 2px; }
.raw .note { margin: 4px 0; color: #8a5a00; font-size: 13px; }
dl.parameters { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dl.parameters dt { font-family: ui-monospace, monospace; color: var(--muted); }
dl.parameters dd { margin: 0; }
.link { margin: 8px 0; font-size: 14px; }
.link.none { color: var(--muted); }
details.translation summary { cursor: pointer; font-size: 13px; color: var(--muted); }
table.diff { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 8px 0;
  font: 12px/1.4 ui-monospace, monospace; }
table.diff th { text-align: left; font-weight: 600; padding: 4px 6px;
  border-bottom: 1px solid var(--line); }
table.diff td { padding: 0 6px; white-space: pre-wrap; word-break: break-all; vertical-align: top; }
tr.removed td.old, tr.changed td.old { background: var(--old-strong); }
tr.added td.new, tr.changed td.new { background: var(--new-strong); }
tr.removed td.new, tr.added td.old { background: #f1f3f7; }
ul.changes { margin: 4px 0 0; padding-left: 18px; font-size: 13px; }
ul.changes .kind { font-weight: 600; }
"""

SCRIPT = """\
"use strict";
// Polls the inbox's version; when it moves, swaps in the new list.
(function () {
  var body = document.body;
  var live = document.getElementById("live");
  function poll() {
    fetch("inbox/version", { cache: "no-store" })
      .then(function (answer) { return answer.json(); })
      .then(function (state) {
        if (String(state.version) === body.dataset.version) { return null; }
        return fetch("inbox/messages", { cache: "no-store" }).then(function (answer) {
          var version = answer.headers.get("Compat-Inbox-Version");
          return answer.text().then(function (text) {
            document.getElementById("inbox").innerHTML = text;
            body.dataset.version = version;
          });
        });
      })
      .then(function () { live.textContent = "updates by itself"; },
            function () { live.textContent = "sandbox not answering; retrying"; })
      .then(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
})();
"""
