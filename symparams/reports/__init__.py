"""What the front ends print: the JSON documents of ``count``/``formula``/``compare``
(:mod:`symparams.reports.count`) and derivations as Markdown, LaTeX or HTML
(:mod:`symparams.reports.derivation`)."""
