"""Display math for posts: derivation rows as ``aligned``, ``align*`` or plain ``$$``.

A row is ``(left side, [steps])`` — ``\\text{SwiGLU} = 3 d_{\\mathrm{ff}} h = … =
30{,}720{,}000``. The three styles are what blog engines accept:

- ``"aligned"``: one ``$$\\begin{aligned}…\\end{aligned}$$`` block (works inline
  and in display mode, MathJax and KaTeX); with ``tags`` one ``\\tag`` for the block.
- ``"align*"``: a bare ``\\begin{align*}…\\end{align*}`` (display mode only);
  with ``tags`` one ``\\tag{n}`` per row.
- ``"$$"``: one ``$$…$$`` per row, no alignment (the most portable); with
  ``tags`` one ``\\tag{n}`` per row.

>>> rows = [(r"\\text{attention}", ["4 h^{2}", "10{,}240{,}000"])]
>>> print(display_math(rows, style="align*", tags=True)[0])
\\begin{align*}
\\text{attention} &= 4 h^{2} = 10{,}240{,}000 \\tag{1}
\\end{align*}
>>> print(display_math(rows, style="$$")[0])
$$\\text{attention} = 4 h^{2} = 10{,}240{,}000$$
"""

from __future__ import annotations

from symparams.options import choose

__all__ = ["STYLES", "display_math", "check_style"]

STYLES = ("aligned", "align*", "$$")
_ALIASES = {"dollars": "$$", "align": "align*"}

#: Rows longer than this (characters of LaTeX) put each step on its own line.
WRAP = 110


def check_style(style: str) -> str:
    """The canonical style name (``"dollars"`` is accepted for ``"$$"``)."""
    return choose("LaTeX style", _ALIASES.get(style, style), STYLES, hint="'dollars' is accepted for '$$'")


def _aligned_lines(lhs: str, steps: list[str]) -> list[str]:
    """``lhs &= step = step …``, continued on ``&= …`` lines when a line gets long."""
    lines = [[steps[0]]]
    width = len(lhs) + len(steps[0])
    for step in steps[1:]:
        if width + len(step) > WRAP:
            lines.append([step])
            width = len(step)
        else:
            lines[-1].append(step)
            width += len(step) + 3
    return [f"{lhs if i == 0 else ''}&= {' = '.join(line)}".replace("&=", " &=", i == 0)
            for i, line in enumerate(lines)]


def display_math(rows, *, style: str = "aligned", tags: bool = False, tag_start: int = 1) -> tuple[str, int]:
    """Rows as display math in ``style``; returns ``(text, next tag number)``."""
    style = check_style(style)
    tag = tag_start
    if style == "$$":
        out = []
        for lhs, steps in rows:
            suffix = ""
            if tags:
                suffix, tag = rf" \tag{{{tag}}}", tag + 1
            out.append(f"$${lhs} = {' = '.join(steps)}{suffix}$$")
        return "\n\n".join(out), tag
    if style == "align*":
        lines = []
        for lhs, steps in rows:
            row = _aligned_lines(lhs, steps)
            if tags:
                row[-1], tag = row[-1] + rf" \tag{{{tag}}}", tag + 1
            lines += row
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}", tag
    lines = [line for lhs, steps in rows for line in _aligned_lines(lhs, steps)]
    suffix = ""
    if tags:
        suffix, tag = rf" \tag{{{tag}}}", tag + 1
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(lines) + f"\n\\end{{aligned}}{suffix}\n$$", tag
