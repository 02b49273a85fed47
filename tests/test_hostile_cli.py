"""The command line under hostile conditions: one-line errors (exit 2), closed pipes, odd
encodings, odd files, and writes that never lose a file. Real subprocesses, real files."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import attrs
import pytest

from compat import cli
from compat.migrate import _files

from .servers import without

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "legacy_app" / "notifications.py"
LEGACY = EXAMPLE.read_text(encoding="utf-8")
GATEWAY = ["gateway", "--upstream", "http://h", "--client-id", "c"]


def run(
    *args: str,
    cwd: Optional[Path] = None,
    stdin: Optional[bytes] = None,
    env: Optional[dict[str, str]] = None,
    **kwargs: Any,
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "compat", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
        **kwargs,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode()
    )


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0]


# -- every error on one line, naming the flag --------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["sandbox", "--port", "99999"], ["--port", "99999"]),
        (["sandbox", "--port", "-1"], ["--port"]),
        (["sandbox", "--unknown-rate", "nan"], ["--unknown-rate"]),
        (["sandbox", "--max-body", "0"], ["--max-body"]),
        ([*GATEWAY, "--listen", "127.0.0.1:70000"], ["--listen", "70000"]),
        ([*GATEWAY, "--listen", "8081"], ["--listen", "HOST:PORT"]),
        ([*GATEWAY, "--workers", "0"], ["--workers"]),
        ([*GATEWAY, "--workers", "-1"], ["--workers"]),
        ([*GATEWAY, "--sunset", "soon"], ["--sunset", "ISO 8601"]),
        ([*GATEWAY, "--upstream", "ftp://h", "--no-verify-callers"], ["--upstream must be"]),
        (GATEWAY, ["give --private-key or --caller-public-key"]),
        (["audit", ".", "--max-size", "-1"], ["--max-size"]),
        (["audit", ".", "--jobs", "0"], ["--jobs"]),
        (["migrate", ".", "--jobs", "0"], ["--jobs"]),
        (["migrate", ".", "--max-size", "0"], ["--max-size"]),
        (["translate", "--from", "nope"], ["--from"]),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_naming_the_flag(
    tmp_path: Path, args: list[str], words: list[str]
) -> None:
    one_line_error(run(*args, cwd=tmp_path), *words)


def test_policy_hints_name_the_flag_on_the_command_line() -> None:
    body = (
        b'{"authClientId":"a","accessToken":"t","requestId":"'
        + b"r" * 100
        + (b'","templateCode":"T","templates":[{"templateParameters":{"pushContentUrl":"/x"}}]}')
    )
    done = run("translate", "--from", "send-inbox", stdin=body)
    assert done.returncode == 1
    assert "use --overlong-request-id digest" in done.stderr
    assert "Policy(" not in done.stderr


def test_deep_json_to_translate_is_refused_in_one_line() -> None:
    done = run("translate", "--from", "send-inbox", stdin=b"[" * 100_000 + b"]" * 100_000)
    assert done.returncode == 1
    assert "nests deeper than" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def no_cryptography(tmp_path: Path) -> dict[str, str]:
    """An environment in which ``import cryptography`` fails, as without the rsa extra."""
    return without(tmp_path, "cryptography")


@pytest.mark.parametrize(
    "args",
    [
        [*GATEWAY, "--private-key", "key.pem"],
        ["sandbox", "--port", "0", "--merchant-public-key", "key.pem"],
    ],
)
def test_without_the_rsa_extra_the_keys_give_one_line(
    tmp_path: Path, no_cryptography: dict[str, str], args: list[str]
) -> None:
    (tmp_path / "key.pem").write_text("not a key\n")
    done = run(*args, cwd=tmp_path, env=no_cryptography)
    one_line_error(done, "pip install 'compat[rsa]'")


# -- pipes and encodings --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["demo"], ["audit", "."], ["migrate", "--diff", "."], ["translate", "--from", "send-inbox"]],
)
def test_a_closed_pipe_is_no_traceback_and_the_status_is_kept(
    tmp_path: Path, args: list[str]
) -> None:
    for n in range(40):
        (tmp_path / f"m{n:02d}.py").write_text(LEGACY)
    reader = subprocess.Popen(
        ["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    body = (Path(__file__).parent.parent / "examples" / "legacy" / "send_inbox.json").read_bytes()
    with reader:
        done = subprocess.run(
            [sys.executable, "-m", "compat", *args],
            cwd=tmp_path,
            input=body if args[0] == "translate" else None,
            stdout=reader.stdin,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
        assert reader.stdin is not None
        reader.stdin.close()
    assert b"Traceback" not in done.stderr
    assert b"BrokenPipe" not in done.stderr
    expected = {"demo": 0, "audit": 1, "migrate": 1, "translate": 0}[args[0]]
    assert done.returncode == expected


def test_a_file_name_that_is_not_utf8_is_written_escaped(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.py")
    (tmp_path / name).write_text('URL = "/v2/messages/sendInbox"\n')
    for format in ("sarif", "json", "text", "github"):
        done = run("audit", name, "--format", format, "--output", "report", cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert "caf\\udce9.py" in (tmp_path / "report").read_text(encoding="utf-8")
    strict = run("audit", name, cwd=tmp_path, env={"PYTHONIOENCODING": "ascii:strict"})
    assert strict.returncode == 1, strict.stderr
    assert "caf\\udce9.py" in strict.stdout


def test_a_terminal_in_ascii_gets_escapes_not_a_traceback(tmp_path: Path) -> None:
    done = run("demo", env={"PYTHONIOENCODING": "ascii:strict"})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


# -- migrate: what it reads ----------------------------------------------------------


def test_migrate_reads_stdin_in_its_declared_encoding(tmp_path: Path) -> None:
    latin = "# -*- coding: latin-1 -*-\n# café\n" + LEGACY
    done = run("migrate", "-", stdin=latin.encode("latin-1"))
    assert done.returncode == 1, done.stderr
    out = subprocess.run(
        [sys.executable, "-m", "compat", "migrate", "-"],
        input=latin.encode("latin-1"),
        capture_output=True,
        check=False,
    ).stdout
    assert out.decode("latin-1").startswith("# -*- coding: latin-1 -*-\n# café\n")
    assert b"/v2/miniprogram/message/send" in out
    undeclared = run("migrate", "-", stdin=b"# caf\xe9\nURL = '/v2/messages/sendInbox'\n")
    one_line_error(undeclared, "not UTF-8")


def test_a_bom_and_a_coding_cookie_are_kept(tmp_path: Path) -> None:
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + LEGACY.encode())
    (tmp_path / "latin.py").write_bytes(
        ("# -*- coding: latin-1 -*-\n# café\n" + LEGACY).encode("latin-1")
    )
    done = run("migrate", ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "2 file(s) changed" in done.stderr
    bom = (tmp_path / "bom.py").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf")
    assert b"/v2/miniprogram/message/send" in bom
    latin = (tmp_path / "latin.py").read_bytes().decode("latin-1")
    assert "# café\n" in latin
    assert "/v2/miniprogram/message/send" in latin


def test_fifos_devices_links_and_large_files_are_skipped_and_said(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "theirs.py").write_text(LEGACY)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.py").symlink_to(outside / "theirs.py")
    (tree / "dangling.py").symlink_to(tree / "nowhere.py")
    (tree / "loop.py").symlink_to(tree / "loop.py")
    os.mkfifo(tree / "fifo.py")
    (tree / "big.py").write_text(LEGACY + "#" * 5000 + "\n")
    (tree / "ok.py").write_text(LEGACY)
    for command in (["audit"], ["migrate"]):
        done = run(*command, "tree", "--max-size", "5000", cwd=tmp_path)
        assert done.returncode == 1, done.stderr  # found or changed ok.py; no error
    (tree / "ok.py").write_text(LEGACY)
    done = run("migrate", "tree", "tree/fifo.py", "/dev/zero", "--max-size", "5000", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    for said in (
        "tree/link.py: skipped: symbolic link (not followed)",
        "tree/dangling.py: skipped: broken symbolic link",
        "tree/loop.py: skipped: broken symbolic link",
        "tree/fifo.py: skipped: not a regular file",
        "/dev/zero: skipped: not a regular file",
        "tree/big.py: skipped: too large (over 5000 bytes)",
    ):
        assert said in done.stderr
    assert (outside / "theirs.py").read_text() == LEGACY  # never followed out of the tree
    audit = run("audit", "tree/fifo.py", "/dev/zero", cwd=tmp_path)
    assert audit.returncode == 0
    assert "skipped 2: 2 not a regular file" in audit.stdout


# -- migrate: what it writes ---------------------------------------------------------


def test_a_failed_write_leaves_the_file_whole_and_the_others_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = LEGACY + "".join(f"# line {n}\n" for n in range(800))
    (tmp_path / "big.py").write_text(big)
    (tmp_path / "small.py").write_text(LEGACY)
    assert len(big) > 8192 > len(LEGACY) + 200
    # as under `ulimit -f 16`: a write past 8 KB fails (EFBIG; Python ignores SIGXFSZ)
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, limits[1]))
    try:
        status = cli.main(["migrate", str(tmp_path)])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
    err = capsys.readouterr().err
    assert status == 2, err
    assert "big.py: cannot write: File too large" in err
    assert (tmp_path / "big.py").read_text() == big  # as it was, not cut short
    assert "/v2/miniprogram/message/send" in (tmp_path / "small.py").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.py", "small.py"]  # no temp left


def test_mode_is_kept(tmp_path: Path) -> None:
    source = tmp_path / "a.py"
    source.write_text(LEGACY)
    source.chmod(0o640)
    assert run("migrate", ".", cwd=tmp_path).returncode == 1
    assert (source.stat().st_mode & 0o777) == 0o640


def test_a_file_named_through_a_link_is_written_at_its_target(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(LEGACY)
    (tmp_path / "alias.py").symlink_to(tmp_path / "real.py")
    assert run("migrate", "alias.py", cwd=tmp_path).returncode == 1
    assert (tmp_path / "alias.py").is_symlink()
    assert "/v2/miniprogram/message/send" in (tmp_path / "real.py").read_text()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
def test_a_read_only_file_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(LEGACY)
    (tmp_path / "b.py").write_text(LEGACY)
    (tmp_path / "a.py").chmod(0o444)
    done = run("migrate", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert "a.py: not writable" in done.stderr
    assert (tmp_path / "a.py").read_text() == LEGACY
    assert "/v2/miniprogram/message/send" in (tmp_path / "b.py").read_text()


def test_an_edit_made_during_the_run_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "a.py"
    source.write_text(LEGACY)
    migrate_paths = _files.migrate_paths

    def edit_meanwhile(*args: Any, changed: Any, **options: Any) -> Any:
        def edited_first(result: Any) -> None:
            source.write_text(LEGACY + "# edited by someone else\n")
            changed(result)

        return migrate_paths(*args, changed=edited_first, **options)

    monkeypatch.setattr(_files, "migrate_paths", edit_meanwhile)
    assert cli.main(["migrate", str(source)]) == 2
    assert "changed since it was read; not written" in capsys.readouterr().err
    assert source.read_text().endswith("# edited by someone else\n")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["sandbox", "--port", "abc"], "--port: expected a port number"),
        (["sandbox", "--delay", "-1"], "--delay: expected seconds"),
        (["sandbox", "--drop-rate", "x"], "--drop-rate: expected a rate"),
        (["audit", ".", "--jobs", "two"], "--jobs: expected a whole number"),
    ],
)
def test_numbers_that_are_not_numbers(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert words in line


class _Closed:
    """A stream whose reader has gone."""

    def __init__(self) -> None:
        self.buffer = self

    def write(self, data: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise OSError("no descriptor")


def test_output_to_a_closed_stream_is_dropped_in_process() -> None:
    out = cli._Output(_Closed())
    assert out.write("text") == 4
    assert out.gone
    out.write("more")
    out.write_bytes(b"bytes")
    out.flush()
    again = cli._Output(_Closed())
    again.write_bytes(b"x")
    assert again.gone
    flushed = cli._Output(_Closed())
    flushed.flush()
    assert flushed.gone
    assert cli._Output(sys.stderr).encoding == sys.stderr.encoding  # the rest is the stream's


def test_migrate_from_stdin_in_process_checks_and_diffs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    for flag in ("--check", "--diff"):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LEGACY.encode())))
        assert cli.main(["migrate", flag, "-"]) == 1
    assert "+++ b/-" in capsys.readouterr().out


def test_an_import_error_that_is_no_extra_is_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: Any) -> int:
        raise ImportError("a bug", name="compat.something")

    monkeypatch.setattr(cli, "_demo", broken)
    with pytest.raises(ImportError, match="a bug"):
        cli.main(["demo"])


def test_a_source_its_encoding_cannot_hold_is_not_written(tmp_path: Path) -> None:
    from compat.migrate import MigrateError

    with pytest.raises(MigrateError, match="cannot be encoded as latin-1"):
        _files.encode("€", "latin-1")
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"# -*- coding: ascii -*-\n# caf\xe9\n")
    done = run("migrate", "bad.py", cwd=tmp_path)
    assert "bad.py: skipped: not valid ascii, as its coding cookie says" in done.stderr
    unknown = tmp_path / "unknown.py"
    unknown.write_bytes(b"# -*- coding: klingon -*-\nURL = '/v2/messages/sendInbox'\n")
    assert (
        "unknown.py: skipped: unknown encoding" in run("migrate", "unknown.py", cwd=tmp_path).stderr
    )


def test_write_reports_a_file_gone_and_a_source_its_encoding_cannot_hold(
    tmp_path: Path,
) -> None:
    from compat.migrate import Options

    source = tmp_path / "a.py"
    source.write_text(LEGACY)
    result = _files.migrate_file(str(source), Options())
    assert result.result is not None
    unencodable = attrs.evolve(result, result=attrs.evolve(result.result, source="é"))
    assert _files.write(attrs.evolve(unencodable, encoding="ascii")) == (
        "the migrated source cannot be encoded as ascii"
    )
    source.unlink()
    assert (_files.write(result) or "").startswith("cannot write: No such file")


def test_a_broken_link_named_on_the_command_line_is_skipped_and_said(tmp_path: Path) -> None:
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    audit = run("audit", "gone.py", cwd=tmp_path)
    assert audit.returncode == 0
    assert "1 broken symbolic link" in audit.stdout
    assert (
        "gone.py: skipped: broken symbolic link" in run("migrate", "gone.py", cwd=tmp_path).stderr
    )
