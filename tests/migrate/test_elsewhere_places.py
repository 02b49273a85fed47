"""Where the project may set a constant (compat._source.elsewhere), on real trees: what
counts, and what the audit's cache is told."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from compat._source import depends, elsewhere

if TYPE_CHECKING:
    from pathlib import Path


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root / "svc" / "notifier.py"


NOTIFIER = "class Notifier:\n    INBOX_PATH = '/v2/messages/sendInbox'\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # a property, an annotated or augmented binding in a subclass's body
        ("class D(Notifier):\n    @property\n    def INBOX_PATH(self):\n        return 'x'\n", 3),
        ("class D(Notifier):\n    INBOX_PATH: str = '/x'\n", 2),
        ("class D(Notifier):\n    INBOX_PATH += '/'\n", 2),
        # bases as subscripts and attributes, through classes of other modules
        ("import typing\nclass D(Base[int]):\n    INBOX_PATH = '/x'\n", 3),
        ("import svc.base\nclass D(svc.base.Base):\n    INBOX_PATH = '/x'\n", 3),
    ],
)
def test_a_subclass_binding_it_counts(tmp_path: Path, text: str, line: int) -> None:
    notifier = _tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/notifier.py": NOTIFIER,
            "svc/base.py": "import typing\nfrom .notifier import Notifier\n"
            "T = typing.TypeVar('T')\nclass Base(Notifier, typing.Generic[T]):\n    pass\n",
            "svc/dana.py": text,
        },
    )
    place = elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", "Notifier")
    assert place is not None
    assert place.startswith(f"svc/dana.py:{line} (")


@pytest.mark.parametrize(
    "text",
    [
        "class D(Notifier):\n    INBOX_PATH: str\n",  # annotated only: binds nothing
        "class D(make_base()):\n    INBOX_PATH = '/x'\n",  # a base it cannot name
        "class A(B):\n    pass\nclass B(A):\n    INBOX_PATH = '/x'\n",  # a cycle
        "class D(Notifier):\n    def send(self):\n        INBOX_PATH = '/x'\n",  # a local
        "def broken(:\n    INBOX_PATH = 1\n",  # not Python
    ],
)
def test_what_does_not_bind_it_in_a_subclass_does_not_count(tmp_path: Path, text: str) -> None:
    notifier = _tree(
        tmp_path, {"svc/__init__.py": "", "svc/notifier.py": NOTIFIER, "svc/dana.py": text}
    )
    assert elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", "Notifier") is None


def test_a_chain_of_bases_deeper_than_followed_counts(tmp_path: Path) -> None:
    chain = "".join(f"class C{n}(C{n - 1}):\n    pass\n" for n in range(1, 13))
    text = "class C0(Other):\n    pass\n" + chain + "class D(C12):\n    INBOX_PATH = '/x'\n"
    notifier = _tree(
        tmp_path, {"svc/__init__.py": "", "svc/notifier.py": NOTIFIER, "svc/deep.py": text}
    )
    # more bases than are followed: it may be a subclass, and is taken as one
    assert elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", "Notifier") is not None


def test_a_source_without_its_file_has_no_project() -> None:
    assert elsewhere.set_elsewhere(None, "INBOX_PATH", None) is None


def test_the_project_is_looked_at_once_a_run_and_afresh_outside_one(tmp_path: Path) -> None:
    notifier = _tree(tmp_path, {"svc/__init__.py": "", "svc/notifier.py": NOTIFIER})
    setter = tmp_path / "svc" / "boot.py"
    with elsewhere.run():
        assert elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", None) is None
        setter.write_text("from svc.notifier import Notifier\nNotifier.INBOX_PATH = '/x'\n")
        # within the run, the project as it was first looked at
        assert elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", None) is None
    place = elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", None)
    assert place == "svc/boot.py:2 (Notifier.INBOX_PATH = '/x')"


def test_facts_told_and_checked(tmp_path: Path) -> None:
    notifier = _tree(tmp_path, {"svc/__init__.py": "", "svc/notifier.py": NOTIFIER})
    elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", None)  # no one records: no facts
    with depends.recording() as facts:
        elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", None)
    # the files naming it, and those that may set any name (setattr)
    assert [fact[:3] for fact in facts] == [
        ["holding", str(tmp_path), "INBOX_PATH"],
        ["holding", str(tmp_path), "setattr"],
    ]
    fact = facts[0]
    assert depends.Facts().hold(facts)
    (tmp_path / "svc" / "other.py").write_text("INBOX_PATH = 1\n")  # one more file holds it
    assert not depends.Facts().hold(facts)
    assert not depends.Facts().hold([["holding", None, "INBOX_PATH", fact[3]]])


def test_a_file_that_cannot_be_read_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notifier = _tree(tmp_path, {"svc/__init__.py": "", "svc/notifier.py": NOTIFIER})
    gone = str(tmp_path / "svc" / "gone.py")  # listed, then removed before it was read
    monkeypatch.setattr(elsewhere, "_files", lambda root: [gone, str(notifier)])
    assert elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", None) is None
    monkeypatch.undo()
    assert elsewhere.places(str(tmp_path / "nowhere"), "INBOX_PATH", None) == []


def test_a_base_named_only_in_a_module_that_does_not_parse_is_not_followed(
    tmp_path: Path,
) -> None:
    notifier = _tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/notifier.py": NOTIFIER,
            "svc/mid.py": "class Mid(Notifier:\n",
            "svc/dana.py": "class Dana(Mid):\n    INBOX_PATH = '/x'\n",
        },
    )
    assert elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", "Notifier") is None


def test_a_module_s_own_source_that_does_not_parse_sets_nothing() -> None:
    source = "def broken(:\n"
    index = elsewhere.index_of(source)
    assert index is None
    assert elsewhere.own_place(index, source, "INBOX_PATH", None, None) is None


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("import app.settings\nfor k, v in ENV:\n    setattr(app.settings, k, v)\n", True),
        ("from svc import settings\nsetattr(settings)\n", False),  # not a setattr(obj, name)
        ("from unittest import mock\nmock.patch('svc.settings.OTHER', 1)\n", False),
        ("from svc import settings\nsetattr(settings.sub, 'INBOX_PATH', 1)\n", True),
    ],
)
def test_calls_that_may_set_a_module_s_constant(tmp_path: Path, text: str, counts: bool) -> None:
    settings = _tree(tmp_path, {"svc/__init__.py": "", "svc/settings.py": "INBOX_PATH = '/x'\n"})
    (tmp_path / "svc" / "boot.py").write_text(text)
    found = elsewhere.set_elsewhere(str(settings.parent / "settings.py"), "INBOX_PATH", None)
    assert (found is not None) is counts


def test_a_file_that_does_not_decode_sets_nothing(tmp_path: Path) -> None:
    notifier = _tree(tmp_path, {"svc/__init__.py": "", "svc/notifier.py": NOTIFIER})
    (tmp_path / "svc" / "latin.py").write_bytes(b"# \xff\nNotifier.INBOX_PATH = 1\n")
    assert elsewhere.set_elsewhere(str(notifier), "INBOX_PATH", "Notifier") is None


def test_a_source_whose_file_cannot_be_read_is_indexed_itself(tmp_path: Path) -> None:
    source = NOTIFIER + "Notifier.INBOX_PATH = '/x'\n"
    index = elsewhere.own_index(source, str(tmp_path / "gone.py"))
    assert elsewhere.own_place(index, source, "INBOX_PATH", "Notifier", None) == (
        "line 3 (Notifier.INBOX_PATH = '/x')"
    )
