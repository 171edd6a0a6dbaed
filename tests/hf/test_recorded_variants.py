"""The mutation suite's variants, replayed without torch: ``fixtures/mutation_variants.json.gz``.

``tests/oracle/test_mutations.py`` mutates real fixture configs (flags, aliases, head_dim, KV
heads, windows, RoPE dicts, activations, expert counts, nulls, extra keys) and compares symparams
with transformers. Run with ``SYMPARAMS_MUTATION_RECORD=path`` it writes each variant with what
transformers 5.23 measured (parameters, buffers, forward FLOPs under ``FlopCounterMode``, KV-cache
elements) or the exception it raised. This test replays that record in the default suite, so every
figure transformers measured is checked on every run without torch:

* transformers counted it → symparams gives the same four numbers, or refuses it where the record
  says it refused it (the conservative refusals are decisions, kept unless the record is remade);
* transformers refused it → symparams refuses it (a :class:`~symparams.errors.ConfigError`).

Remake the record after a transformers upgrade or a deliberate change of what symparams refuses:
``HYPOTHESIS_PROFILE=ci SYMPARAMS_MUTATION_RECORD=tests/fixtures/mutation_variants.json.gz
pytest tests/oracle/test_mutations.py``.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from symparams.errors import ConfigError

from _oracle import symparams_figures

RECORD = json.loads(gzip.decompress(
    (Path(__file__).resolve().parents[1] / "fixtures" / "mutation_variants.json.gz").read_bytes()))
VARIANTS = RECORD["variants"]


def test_the_record_is_a_real_sample():
    tally = Counter("refused by both" if isinstance(v["transformers"], dict) else
                    "exact" if v["symparams"] == "counted" else "refused by symparams only" for v in VARIANTS)
    assert len(VARIANTS) >= 1000 and RECORD["profile"] == "ci"
    # every outcome is well represented: the replay checks numbers, refusals and conservative refusals
    assert tally["exact"] >= 500 and tally["refused by both"] >= 100 and tally["refused by symparams only"] >= 10
    # transformers never refused what symparams counted when the record was made (the oracle test's rule)
    assert not [v for v in VARIANTS if isinstance(v["transformers"], dict) and v["symparams"] == "counted"]
    assert len({v["label"].split(":")[0] for v in VARIANTS}) >= 40  # nearly every fixture


@pytest.mark.parametrize("chunk", range(8))
def test_recorded_variants_replay(chunk):
    wrong = []
    for v in VARIANTS[chunk::8]:
        ours = symparams_figures(v["config"], v["batch"], v["seq"])
        theirs = v["transformers"]
        if isinstance(theirs, dict) or v["symparams"] == "refused":
            if not isinstance(ours, ConfigError):
                why = f"transformers refused it ({theirs['refused']})" if isinstance(theirs, dict) else \
                    "symparams refused it when the record was made"
                wrong.append(f"{v['label']}: {why}, symparams now gives {ours!r}")
        elif list(ours) != theirs:
            wrong.append(f"{v['label']}: symparams {ours!r} != transformers {theirs} (params, buffers, FLOPs, KV)")
    assert not wrong, "\n".join(wrong[:10])
