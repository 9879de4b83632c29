"""The topics and kinds of the sample warehouse, measured on the labelled set.

The figures themselves (and the targets: primary >= 90%, precision and recall
>= 80%) are printed by `make bench` (bench/bench_topics.py). These floors sit
well under what was measured, so a change that makes topics clearly worse
fails here, while ordinary retuning does not.
"""

from __future__ import annotations

import pytest

from papertrend.evaluation.topics import LABELS_PATH, evaluate, load_labels, load_predictions

pytestmark = pytest.mark.slow

PRIMARY_ACCURACY_FLOOR = 0.78
ASSIGNED_PRECISION_FLOOR = 0.72
GENUINE_RECALL_FLOOR = 0.72
KIND_ACCURACY_FLOOR = 0.82


@pytest.fixture(scope="module")
def evaluation(samples_warehouse):
    return evaluate(load_labels(), load_predictions(samples_warehouse.serving_db_path))


def test_every_labelled_paper_is_in_the_sample_warehouse(samples_warehouse):
    labels = load_labels()
    assert len(labels) == len({label.title for label in labels}) > 0, LABELS_PATH
    assert evaluate(labels, load_predictions(samples_warehouse.serving_db_path)).papers == len(labels)


def test_primary_topics_stay_above_the_floor(evaluation):
    assert evaluation.primary_accuracy >= PRIMARY_ACCURACY_FLOOR


def test_assigned_topics_are_mostly_genuine_and_find_most_genuine_topics(evaluation):
    assert evaluation.assigned_precision >= ASSIGNED_PRECISION_FLOOR
    assert evaluation.assigned_recall >= GENUINE_RECALL_FLOOR


def test_paper_kinds_stay_above_the_floor(evaluation):
    assert evaluation.kind_accuracy >= KIND_ACCURACY_FLOOR


def test_the_catch_all_is_used_only_where_nothing_specific_fits(evaluation):
    # never the default answer: at most a few percent of the papers
    assert evaluation.catch_all_predicted <= 0.05 * evaluation.papers
