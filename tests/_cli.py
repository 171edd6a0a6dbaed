"""Running the command line in a test: success (stdout) or the error contract (one stderr line, exit 2,
nothing on stdout)."""

from symparams.cli import main


def run(capsys, *args) -> str:
    """Run argv expecting exit code 0; returns stdout."""
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def run_error(capsys, *args) -> str:
    """Run argv expecting the error contract; returns the stderr line."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out = capsys.readouterr()
    assert code == 2 and out.out == "", (args, out.out, out.err)
    assert out.err.endswith("\n") and out.err.count("\n") == 1, out.err
    assert out.err.startswith("symparams: error: ") and "Traceback" not in out.err
    return out.err
