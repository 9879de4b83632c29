"""Topic and kind quality: the sample warehouse against the labelled set. Prints figures, asserts nothing.

    .venv/bin/python bench/bench_topics.py [--serving-file PATH]

Without --serving-file, lands the three bundled samples and builds the
warehouse in a temporary data root (the same as `make run`). Prints the figures
for all labelled papers, then for each half of the text sample: the first half
(positions 1-145) is the one the taxonomy's terms were tuned on, the second
half (146-292) was only measured, so the gap between the two is the estimate
of over-fitting. Targets: primary >= 90%, assigned precision >= 80% with
recall >= 80%.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from papertrend.evaluation.topics import LABELS_PATH, evaluate, load_labels, load_predictions, report
from papertrend.pipeline import build_sample_warehouse

TUNING_HALF_LAST_POSITION = 145
SECOND_LABELLER_PATH = LABELS_PATH.with_name("second_labeller.csv")


def _labeller_agreement(labels) -> str:
    """How often a second, independent labeller agreed: the ceiling a matcher can be judged against."""
    second = {label.position: label for label in load_labels(SECOND_LABELLER_PATH)}
    pairs = [(label, second[label.position]) for label in labels if label.position in second]
    primary = sum(a.primary_topic == b.primary_topic for a, b in pairs)
    acceptable = sum(a.primary_topic in b.topics for a, b in pairs)
    kind = sum(a.paper_kind == b.paper_kind for a, b in pairs)
    n = len(pairs)
    return (
        f"two labellers on the same {n} papers: same primary topic {primary / n:.1%},"
        f" primary among the other's topics {acceptable / n:.1%}, same kind {kind / n:.1%}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serving-file", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="papertrend-topics-") as tmp:
        serving_file = args.serving_file or build_sample_warehouse(Path(tmp) / "data")
        labels = load_labels()
        predictions = load_predictions(serving_file)
        print(report(evaluate(labels, predictions)))
        tuned = [label for label in labels if label.position <= TUNING_HALF_LAST_POSITION]
        held_out = [label for label in labels if label.position > TUNING_HALF_LAST_POSITION]
        print()
        print(report(evaluate(tuned, predictions), "tuning half (positions 1-145)", detail=False))
        print(report(evaluate(held_out, predictions), "held-out half (positions 146-292)", detail=False))
        print()
        print(_labeller_agreement(labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
