"""Fuzzing `papertrend ingest` (issue 13): a few hundred seeded mutations of the
bundled samples through the real command line, the real gate and real files.
See tests/fuzz/harness.py for what is generated and what is checked per case.

PAPERTREND_FUZZ_CASES and PAPERTREND_FUZZ_SEED change the run; `make fuzz`
runs a larger one outside pytest.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from tests.fuzz.harness import generate_cases, run_fuzz

pytestmark = pytest.mark.slow

CASES = int(os.environ.get("PAPERTREND_FUZZ_CASES", 300))
SEED = int(os.environ.get("PAPERTREND_FUZZ_SEED", 13))


def test_the_generator_is_seeded_and_covers_every_family():
    cases = generate_cases(CASES, SEED)
    assert [(c.name, c.raw) for c in cases] == [(c.name, c.raw) for c in generate_cases(CASES, SEED)]
    families = Counter(c.kind.split(":")[0] for c in cases)
    assert set(families) == {"text", "hf_api", "flat_json", "name"}
    mutations = {c.kind.split(":")[1].split("(")[0] for c in cases}
    assert {"truncate_lines", "flip_bytes", "control_chars", "encoding", "raw_literal", "odd_value",
            "swap_fields", "top_wrong_type", "long", "spaces_parens"} <= mutations


def test_every_fuzzed_dump_is_rejected_cleanly_or_lands_sanely(tmp_path):
    run = run_fuzz(generate_cases(CASES, SEED), tmp_path, batch_size=150)
    print(run.summary())
    counts = run.figures()
    assert counts["crashed"] == 0 and counts["broken"] == 0, run.summary()
    # A generator that only made garbage (or only harmless changes) would prove little.
    assert counts["landed"] >= CASES // 10 and counts["rejected"] >= CASES // 3, run.summary()
