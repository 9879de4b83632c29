"""The evaluation's arithmetic on a tiny hand-made case (no warehouse)."""

from papertrend.evaluation.topics import Label, Prediction, evaluate, title_key


def _label(title, primary, secondary=(), kind="method"):
    return Label(position=1, title=title, primary_topic=primary, secondary_topics=frozenset(secondary), paper_kind=kind)


def test_figures_count_rows_as_a_researcher_would():
    labels = [
        _label("Paper A", "retrieval", {"nlp"}),
        _label("Paper B", "vision", kind="survey"),
    ]
    predictions = {
        title_key("paper a"): Prediction("retrieval", frozenset({"code"}), "method"),
        title_key("PAPER  B"): Prediction("nlp", frozenset({"vision"}), "method"),
    }
    e = evaluate(labels, predictions)
    assert e.primary_accuracy == 0.5
    assert e.primary_acceptable_rate == 0.5
    # assigned: A{retrieval, code}, B{nlp, vision} -> genuine: retrieval, vision
    assert (e.assigned_genuine, e.assigned_rows) == (2, 4)
    # genuine: A{retrieval, nlp}, B{vision} -> found: retrieval, vision
    assert (e.genuine_found, e.genuine_rows) == (2, 3)
    assert e.kind_accuracy == 0.5
    assert e.confusions == {("vision", "nlp"): 1}
    assert e.per_topic["vision"].recall == 0.0 and e.per_topic["retrieval"].precision == 1.0


def test_a_labelled_paper_missing_from_the_warehouse_is_an_error():
    try:
        evaluate([_label("Paper C", "vision")], {})
    except ValueError as error:
        assert "Paper C" in str(error)
    else:
        raise AssertionError("expected a ValueError")
