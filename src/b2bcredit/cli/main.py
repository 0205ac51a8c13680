"""Entry point of the ``b2bcredit`` command.

Each subcommand lives in its own module under ``b2bcredit.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``handler`` to a function that
takes the parsed arguments and returns the exit status.
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from b2bcredit import __version__
from b2bcredit.core.errors import B2BCreditError

# One module per subcommand, in the order they appear in --help.
_COMMAND_MODULES: tuple[str, ...] = (
    "b2bcredit.cli.demo",
    "b2bcredit.cli.fit_scorecard",
    "b2bcredit.cli.underwrite",
    "b2bcredit.cli.schedule",
    "b2bcredit.cli.terms",
    "b2bcredit.cli.segment",
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and a pointer to ``--help``.

    argparse prints the whole usage block before the error, which for a command with a
    dozen options pushes the one line that matters out of sight.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\nRun '{self.prog} --help' to see every option.\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every subcommand registered."""
    parser = _Parser(
        prog="b2bcredit",
        description="Embedded finance for B2B commerce: tiers, trade credit and loyalty.",
    )
    parser.add_argument("--version", action="version", version=f"b2bcredit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 failed, 2 bad usage)."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    handler = getattr(arguments, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        check_output_path(getattr(arguments, "out", None))
        status: int = handler(arguments)
    except B2BCreditError as error:
        return _fail(arguments, str(error))
    except UnicodeDecodeError as error:
        return _fail(arguments, _describe_decode_error(error, arguments))
    except OSError as error:
        return _fail(arguments, _describe_os_error(error, arguments))
    return status


class OutputPathError(B2BCreditError, OSError):
    """An output path that cannot be written, found before the command starts its work."""


def check_output_path(out: object) -> None:
    """Raise :class:`OutputPathError` unless ``out`` names a file that can be created.

    Commands such as ``segment`` and ``fit-scorecard`` run for seconds before they write,
    so a path that cannot work is rejected before any of that work.
    """
    if out is None:
        return
    path = Path(str(out))
    if path.is_dir():
        raise OutputPathError(f"--out names a directory: {path}. Give a file name inside it.")
    parent = path.parent
    if not parent.is_dir():
        raise OutputPathError(f"--out: the folder {parent} does not exist. Create it or choose another path.")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputPathError(f"--out: {path} is not writable (permission denied). Choose another path.")


def _fail(arguments: argparse.Namespace, message: str) -> int:
    print(f"b2bcredit {arguments.command}: error: {message}", file=sys.stderr)
    return 1


def _input_paths(arguments: argparse.Namespace) -> Iterator[Path]:
    # Every argument that names an existing file may be the one that failed to decode.
    for name, value in vars(arguments).items():
        if name == "out" or not isinstance(value, str | os.PathLike):
            continue
        path = Path(value)
        if path.is_file():
            yield path


def _first_invalid_utf8(path: Path) -> tuple[int, int] | None:
    """Return the offset and value of the first byte of ``path`` that is not UTF-8, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                # The decoder keeps an incomplete sequence from the last chunk; its bytes
                # come before this chunk's.
                pending = len(decoder.getstate()[0])
                return offset - pending + error.start, error.object[error.start]
            offset += len(chunk)
    return None


def _describe_decode_error(error: UnicodeDecodeError, arguments: argparse.Namespace) -> str:
    for path in _input_paths(arguments):
        try:
            found = _first_invalid_utf8(path)
        except OSError:
            continue
        if found is not None:
            offset, byte = found
            return f"{path} is not UTF-8 (byte 0x{byte:02x} at offset {offset}); save it as UTF-8"
    byte = error.object[error.start]
    return f"an input file is not UTF-8 (byte 0x{byte:02x}); save it as UTF-8"


def _describe_os_error(error: OSError, arguments: argparse.Namespace) -> str:
    path = error.filename
    reason = error.strerror or str(error)
    if path is None:
        return str(error)
    out = getattr(arguments, "out", None)
    if out is not None and Path(str(out)) == Path(str(path)):
        if isinstance(error, IsADirectoryError):
            return f"--out names a directory: {path}. Give a file name inside it."
        return f"cannot write --out {path}: {reason}"
    if isinstance(error, IsADirectoryError):
        return f"{path} is a directory; pass a file"
    return f"{path}: {reason}"


if __name__ == "__main__":
    sys.exit(main())
