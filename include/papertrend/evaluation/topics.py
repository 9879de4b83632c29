"""How right are the topics and kinds? The warehouse against a labelled set.

The labelled set (tests/fixtures/topic_labels/labels.csv, guide beside it) was
made by reading each paper, blind to the classifier: its primary topic, the
secondary topics genuinely about it, and its kind. This module joins it to a
published warehouse (papers, paper_topics) by title and computes what a
researcher would ask of the topics:

- primary accuracy: the primary topic is the labelled one (and "acceptable":
  it is one of the labelled topics);
- assigned-topic precision: of all paper_topics rows, the share that are
  genuinely about the paper; recall: of the genuine topics, the share assigned;
- the same for secondary rows alone, per-topic precision/recall of the primary,
  the most common confusions, the catch-all's use, and kind accuracy.

`python -m papertrend.evaluation.topics SERVING_FILE` prints the figures;
bench/bench_topics.py builds the sample warehouse and calls it.
"""

from __future__ import annotations

import argparse
import csv
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from papertrend.settings import PROJECT_ROOT

LABELS_PATH = PROJECT_ROOT / "tests" / "fixtures" / "topic_labels" / "labels.csv"
CATCH_ALL_TOPIC = "other"


@dataclass(frozen=True)
class Label:
    position: int
    title: str
    primary_topic: str
    secondary_topics: frozenset[str]
    paper_kind: str

    @property
    def topics(self) -> frozenset[str]:
        return self.secondary_topics | {self.primary_topic}


@dataclass(frozen=True)
class Prediction:
    primary_topic: str
    secondary_topics: frozenset[str]
    paper_kind: str


@dataclass
class TopicFigures:
    labelled: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.labelled if self.labelled else None


@dataclass
class Evaluation:
    papers: int
    primary_correct: int
    primary_acceptable: int
    assigned_rows: int
    assigned_genuine: int
    genuine_rows: int
    genuine_found: int
    secondary_rows: int
    secondary_genuine: int
    labelled_secondary: int
    labelled_secondary_found: int
    catch_all_predicted: int
    catch_all_labelled: int
    catch_all_agreed: int
    kind_correct: int
    per_topic: dict[str, TopicFigures] = field(default_factory=dict)
    per_kind: dict[str, TopicFigures] = field(default_factory=dict)
    confusions: Counter = field(default_factory=Counter)

    @property
    def primary_accuracy(self) -> float:
        return self.primary_correct / self.papers

    @property
    def primary_acceptable_rate(self) -> float:
        return self.primary_acceptable / self.papers

    @property
    def assigned_precision(self) -> float:
        return self.assigned_genuine / self.assigned_rows

    @property
    def assigned_recall(self) -> float:
        return self.genuine_found / self.genuine_rows

    @property
    def secondary_precision(self) -> float | None:
        return self.secondary_genuine / self.secondary_rows if self.secondary_rows else None

    @property
    def secondary_recall(self) -> float | None:
        return self.labelled_secondary_found / self.labelled_secondary if self.labelled_secondary else None

    @property
    def kind_accuracy(self) -> float:
        return self.kind_correct / self.papers


def title_key(title: str) -> str:
    """Titles compared as the warehouse identifies papers: NFKC, case-folded, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", title).casefold() if ch.isalnum())


def load_labels(path: Path = LABELS_PATH) -> list[Label]:
    with path.open(encoding="utf-8", newline="") as labels_file:
        return [
            Label(
                position=int(row["position"]),
                title=row["title"],
                primary_topic=row["primary_topic"],
                secondary_topics=frozenset(t for t in row["secondary_topics"].split("|") if t),
                paper_kind=row["paper_kind"],
            )
            for row in csv.DictReader(labels_file)
        ]


def load_predictions(serving_file: Path) -> dict[str, Prediction]:
    """The warehouse's answer per paper, keyed by title_key."""
    from papertrend.warehouse.reading import open_serving

    with open_serving(serving_file) as con:
        rows = con.execute("""
            select papers.title, papers.paper_kind,
                   any_value(paper_topics.topic_id) filter (where paper_topics.is_primary) as primary_topic,
                   coalesce(list(paper_topics.topic_id) filter (where not paper_topics.is_primary), []) as secondary_topics
            from papers
            inner join paper_topics using (paper_id)
            group by papers.paper_id, papers.title, papers.paper_kind
        """).fetchall()
    return {
        title_key(title): Prediction(primary, frozenset(secondary), kind)
        for title, kind, primary, secondary in rows
    }


def evaluate(labels: list[Label], predictions: dict[str, Prediction]) -> Evaluation:
    missing = [label.title for label in labels if title_key(label.title) not in predictions]
    if missing:
        raise ValueError(f"{len(missing)} labelled paper(s) not in the warehouse, e.g. {missing[:3]}")
    evaluation = Evaluation(papers=len(labels), **{name: 0 for name in _COUNTERS})
    for label in labels:
        _score_paper(evaluation, label, predictions[title_key(label.title)])
    return evaluation


_COUNTERS = (
    "primary_correct primary_acceptable assigned_rows assigned_genuine genuine_rows genuine_found "
    "secondary_rows secondary_genuine labelled_secondary labelled_secondary_found "
    "catch_all_predicted catch_all_labelled catch_all_agreed kind_correct"
).split()


def _score_paper(e: Evaluation, label: Label, predicted: Prediction) -> None:
    assigned = predicted.secondary_topics | {predicted.primary_topic}
    e.primary_correct += predicted.primary_topic == label.primary_topic
    e.primary_acceptable += predicted.primary_topic in label.topics
    e.assigned_rows += len(assigned)
    e.assigned_genuine += len(assigned & label.topics)
    e.genuine_rows += len(label.topics)
    e.genuine_found += len(label.topics & assigned)
    e.secondary_rows += len(predicted.secondary_topics)
    e.secondary_genuine += len(predicted.secondary_topics & label.topics)
    e.labelled_secondary += len(label.secondary_topics)
    e.labelled_secondary_found += len(label.secondary_topics & assigned)
    e.catch_all_predicted += predicted.primary_topic == CATCH_ALL_TOPIC
    e.catch_all_labelled += label.primary_topic == CATCH_ALL_TOPIC
    e.catch_all_agreed += predicted.primary_topic == label.primary_topic == CATCH_ALL_TOPIC
    e.kind_correct += predicted.paper_kind == label.paper_kind
    _tally(e.per_topic, label.primary_topic, predicted.primary_topic)
    _tally(e.per_kind, label.paper_kind, predicted.paper_kind)
    if predicted.primary_topic != label.primary_topic:
        e.confusions[(label.primary_topic, predicted.primary_topic)] += 1


def _tally(figures: dict[str, TopicFigures], labelled: str, predicted: str) -> None:
    figures.setdefault(labelled, TopicFigures()).labelled += 1
    figures.setdefault(predicted, TopicFigures()).predicted += 1
    if labelled == predicted:
        figures[labelled].correct += 1


def _pct(value: float | None) -> str:
    return "   -" if value is None else f"{100 * value:5.1f}%"


def report(evaluation: Evaluation, title: str = "all labelled papers", detail: bool = True) -> str:
    e = evaluation
    lines = [
        f"{title}: {e.papers} papers",
        f"  primary topic right            {_pct(e.primary_accuracy)}  ({e.primary_correct})   target >= 90%",
        f"  primary right or acceptable    {_pct(e.primary_acceptable_rate)}  ({e.primary_acceptable})",
        f"  assigned-topic precision       {_pct(e.assigned_precision)}  ({e.assigned_genuine} of {e.assigned_rows} rows)   target >= 80%",
        f"  genuine-topic recall           {_pct(e.assigned_recall)}  ({e.genuine_found} of {e.genuine_rows})   target >= 80%",
        f"  secondary precision            {_pct(e.secondary_precision)}  ({e.secondary_genuine} of {e.secondary_rows})",
        f"  secondary recall               {_pct(e.secondary_recall)}  ({e.labelled_secondary_found} of {e.labelled_secondary})",
        f"  topics per paper               {e.assigned_rows / e.papers:.2f} assigned, {e.genuine_rows / e.papers:.2f} labelled",
        f"  catch-all                      {e.catch_all_predicted} assigned, {e.catch_all_labelled} labelled, {e.catch_all_agreed} agreed",
        f"  paper kind right               {_pct(e.kind_accuracy)}  ({e.kind_correct})",
    ]
    if detail:
        lines.append("  per primary topic (labelled, predicted, precision, recall):")
        for topic, f in sorted(e.per_topic.items(), key=lambda item: (-item[1].labelled, item[0])):
            lines.append(f"    {topic:<28} {f.labelled:>4} {f.predicted:>4}  {_pct(f.precision)} {_pct(f.recall)}")
        lines.append("  per kind (labelled, predicted, precision, recall):")
        for kind, f in sorted(e.per_kind.items(), key=lambda item: (-item[1].labelled, item[0])):
            lines.append(f"    {kind:<28} {f.labelled:>4} {f.predicted:>4}  {_pct(f.precision)} {_pct(f.recall)}")
        lines.append("  most common confusions (labelled -> predicted):")
        for (labelled, predicted), count in e.confusions.most_common(12):
            lines.append(f"    {count:>3}  {labelled} -> {predicted}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("serving_file", type=Path, help="a published warehouse built from samples/digests")
    parser.add_argument("--labels", type=Path, default=LABELS_PATH)
    args = parser.parse_args(argv)
    labels = load_labels(args.labels)
    predictions = load_predictions(args.serving_file)
    print(report(evaluate(labels, predictions)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
