"""The ``symparams`` command line.

One module per command (``derive``, ``count``, ``formula``, ``compare``,
``plot``, ``list``, ``devices``, ``train``, ``infer``, ``finetune``), each with ``add_parser(subparsers)`` and ``run(args) -> str``;
:data:`COMMANDS` lists them. Errors go to stderr as one line with exit code 2;
nothing is printed on stdout then.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

__all__ = ["main", "COMMANDS", "build_parser"]

#: command name -> module (in help order)
COMMANDS = {
    "derive": "symparams.cli.derive",
    "plot": "symparams.cli.plot",
    "count": "symparams.cli.count",
    "compare": "symparams.cli.compare",
    "formula": "symparams.cli.formula",
    "list": "symparams.cli.listing",
    "devices": "symparams.cli.devices",
    "train": "symparams.cli.train",
    "infer": "symparams.cli.infer",
    "finetune": "symparams.cli.finetune",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, nothing on stdout
        sys.stderr.write(f"symparams: error: {message}; see '{self.prog} --help'\n")
        raise SystemExit(2)


def _os_error(exc: OSError) -> str:
    """One line for an OS error: the path, what went wrong, what is expected."""
    if exc.filename is None:
        return str(exc)
    reason = exc.strerror or type(exc).__name__
    return f"{exc.filename}: cannot read ({reason}); expected a path to a config.json or a folder holding one"


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the command ``only`` (what ``main`` builds when the first
    argument names one: the other commands' modules and options are then never loaded)."""
    from symparams import __version__

    p = _Parser(prog="symparams", description="Closed-form transformer costs, exact.")
    p.add_argument("--version", action="version", version=f"symparams {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module).add_parser(sub)
    return p


def _one_line(message: str) -> str:
    return " ".join(message.split())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0, or 2 on any error)."""
    from symparams.cli._output import PartialFailure, complete

    given = sys.argv[1:] if argv is None else argv
    # a command named first needs only its own parser; shell completion and everything else get them all
    only = given[0] if given and given[0] in COMMANDS and "_ARGCOMPLETE" not in os.environ else None
    parser = build_parser(only)
    complete(parser)  # a shell asking for completions (extra 'completion') gets them and exits here
    args = parser.parse_args(argv)
    from symparams.errors import SymparamsError

    try:
        out = importlib.import_module(COMMANDS[args.command]).run(args)
    except PartialFailure as exc:  # a batch: the inputs that worked are printed, each failure is one line
        if exc.output:
            sys.stdout.write(exc.output if exc.output.endswith("\n") else exc.output + "\n")
        sys.stderr.writelines(f"symparams: error: {_one_line(e)}\n" for e in exc.errors)
        return 2
    except SymparamsError as exc:
        sys.stderr.write(f"symparams: error: {_one_line(str(exc))}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(f"symparams: error: {_one_line(_os_error(exc))}\n")
        return 2
    except ValueError as exc:  # json.dumps of an int past Python's digit limit: refuse, naming the limit
        if "integer string conversion" not in str(exc):
            raise
        sys.stderr.write(f"symparams: error: a number in the output has more than {sys.get_int_max_str_digits():,} "
                         "digits, Python's limit for writing an int as text (sys.set_int_max_str_digits); "
                         "use smaller sizes\n")
        return 2
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
