"""Sequence lengths a model can run: a learned position table has a last row.

A model with learned positions (GPT-2, OPT, GPT-BigCode) has one vector per position up to
``s_max``; at a longer sequence transformers fails with an index error, so a cost there
describes no model that can run. The reports refuse it unless asked to go on
(``allow_longer=True``, ``--allow-longer``). Rotary and ALiBi models compute positions, so a
longer sequence is only noted.

>>> from symparams.presets import model
>>> position_limits(model("gpt2"))
{s: 1024}
>>> check_seq(model("gpt2"), 2048)
Traceback (most recent call last):
...
symparams.errors.OptionError: gpt2: seq 2,048 is longer than its 1,024 learned positions (s_max = 1024); give --seq 1024 or less, or --allow-longer (allow_longer=True) to evaluate the formulas anyway
>>> check_seq(model("gpt2"), 2048, allow_longer=True)
>>> check_seq(model("llama-2-7b"), 8192)   # rotary positions: longer is possible
"""

from __future__ import annotations

from symparams.errors import OptionError

__all__ = ["position_limits", "check_seq", "fixed_length", "check_fixed_length"]


def position_limits(m) -> dict:
    """``{length symbol: positions}`` for each learned position table of model ``m``."""
    from symparams.components import LearnedPositions

    limits: dict = {}
    for component, stack in m.architecture.parts():
        if isinstance(component, LearnedPositions):
            rows = m.value(component.s_max)
            limits[stack.seq] = min(rows, limits.get(stack.seq, rows))
    return limits


def check_seq(m, seq: int | None = None, *, allow_longer: bool = False, **lengths) -> None:
    """Refuse a sequence (``seq`` for ``s``, ``lengths`` by symbol name) longer than a learned position
    table of ``m``, unless ``allow_longer``."""
    if allow_longer:
        return
    from symparams.symbols import s

    given = {s: seq} if seq is not None else {}
    given.update({sym: v for sym, v in ((sym, lengths.get(sym.name)) for sym in position_limits(m)) if v is not None})
    for sym, limit in position_limits(m).items():
        value = given.get(sym)
        if value is not None and value > limit:
            flag = "--seq" if sym == s else f"--{sym.name.replace('_', '-')}"
            raise OptionError(f"{m.name}: {'seq' if sym == s else sym.name} {value:,} is longer than its "
                              f"{limit:,} learned positions (s_max = {limit}); "
                              f"give {flag} {limit} or less, or --allow-longer (allow_longer=True) "
                              "to evaluate the formulas anyway")


def fixed_length(m) -> int | None:
    """The one sequence length model ``m`` reads, when its config fixes it (a ViT's ``n_p + 1``
    tokens per image: its patches and the [CLS] token), else ``None``. An encoder-decoder's default
    lengths (a T5 preset's) are defaults, not fixed.

    >>> from symparams.presets import model
    >>> fixed_length(model("tests/fixtures/hf_configs/vit-base-patch16-224.json")), fixed_length(model("gpt2"))
    (197, None)
    """
    from symparams.symbols import s

    if m.architecture.is_encoder_decoder:
        return None
    return m.lengths.get(s)


def check_fixed_length(m, seq: int | None, option: str = "--seq") -> None:
    """Refuse a length other than the one ``m`` fixes (:func:`fixed_length`), naming ``option``.

    >>> from symparams.presets import model
    >>> check_fixed_length(model("tests/fixtures/hf_configs/vit-base-patch16-224.json"), 196)
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --seq 196: vit-base-patch16-224 reads 197 tokens per sequence, fixed by its config (an image of n_p = 196 patches and the [CLS] token: image_size and patch_size); give --seq 197 or leave it out
    """
    from symparams.symbols import n_p

    fixed = fixed_length(m)
    if seq is None or fixed is None or seq == fixed:
        return
    why = (f" (an image of n_p = {m.values[n_p]} patches and the [CLS] token: image_size and patch_size)"
           if n_p in m.values else "")
    raise OptionError(f"{option} {seq}: {m.name} reads {fixed} tokens per sequence, fixed by its config{why}; give "
                      f"{option} {fixed} or leave it out")
