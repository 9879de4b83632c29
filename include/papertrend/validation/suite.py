"""The ``digest_entries`` expectation suite, built from ``rules.py``.

The suite, the data source, the validation definition and the checkpoint are
committed under ``include/gx/`` as GX configuration. This module is where they
come from: after changing a rule, regenerate them with

    .venv/bin/python -m papertrend.validation.suite

and commit the diff under ``include/gx/``. A unit test fails when the
committed suite and this module disagree.

Every expectation carries ``meta["rule"]``, a short stable name that the
failure summary, the quarantine record and the tests use, and ``notes``, the
reason shown in Data Docs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from papertrend.schema import DIGEST_ENTRIES_SCHEMA, SOURCE_FORMATS
from papertrend.validation import rules
from papertrend.validation.frames import gx_type_name

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite

SUITE_NAME = "digest_entries"
DATA_SOURCE_NAME = "papertrend"
DATA_ASSET_NAME = "digest_entries_partition"
BATCH_DEFINITION_NAME = "whole_partition"
VALIDATION_DEFINITION_NAME = "digest_entries_partition"
CHECKPOINT_NAME = "digest_entries_gate"
DATA_DOCS_SITE_NAME = "local_site"

# Values the gate supplies per partition (GX suite parameters).
PARAM_PARTITION_DATE = "partition_digest_date"
PARAM_ROW_COUNT = "partition_row_count"

# The batch form of the suite (see ``batch_rules``): a backfill is validated as
# one frame of all its partitions' rows plus one row per partition.
BATCH_SUITE_NAME = "digest_entries_batch"
BATCH_DIGESTS_SUITE_NAME = "digest_entries_batch_digests"
BATCH_ASSET_NAME = "digest_entries_batch"
BATCH_DIGESTS_ASSET_NAME = "digest_entries_batch_digests"
BATCH_VALIDATION_DEFINITION_NAME = "digest_entries_batch"
BATCH_DIGESTS_VALIDATION_DEFINITION_NAME = "digest_entries_batch_digests"
BATCH_CHECKPOINT_NAME = "digest_entries_batch_gate"
# The column that says which staged partition of the batch a row comes from
# (in both batch frames), and the per-partition columns of the digests frame.
PARTITION_KEY = "gate_partition"
# A column the gate adds to every rows frame (``frames.with_repeated_title``):
# the title of a row whose abstract repeats it, null otherwise.
REPEATED_TITLE = "title_repeated_as_abstract"
DIGEST_PARTITION_DATE = "partition_date"  # the date the partition folder is named for
DIGEST_ROW_COUNT = "row_count"
DIGEST_ROW_BOUND = "row_bound"  # max(row_count, 1), as PARAM_ROW_COUNT


@dataclass(frozen=True)
class Rule:
    """One expectation: GX class name, its kwargs, its short name and its reason."""

    name: str
    expectation: str
    kwargs: dict[str, Any]
    why: str


def digest_entries_rules() -> list[Rule]:
    """The checks a careful analyst makes on one day's digest, in reading order."""
    columns = [field.name for field in DIGEST_ENTRIES_SCHEMA]
    required = [field.name for field in DIGEST_ENTRIES_SCHEMA if not field.nullable]
    row_count = {"$PARAMETER": PARAM_ROW_COUNT}
    found: list[Rule] = [
        Rule(
            "columns",
            "ExpectTableColumnsToMatchOrderedList",
            {"column_list": [*columns, REPEATED_TITLE]},
            "Exactly the landing contract's columns, in its order (papertrend.schema),"
            f" then {REPEATED_TITLE}, which the gate adds.",
        ),
        *(
            Rule(
                f"type:{field.name}",
                "ExpectColumnValuesToBeOfType",
                {"column": field.name, "type_": gx_type_name(field.type)},
                f"{field.name} is {field.type} in the landing contract"
                " (see papertrend.validation.frames for the pandas view).",
            )
            for field in DIGEST_ENTRIES_SCHEMA
        ),
        *(
            Rule(
                f"not_null:{name}",
                "ExpectColumnValuesToNotBeNull",
                {"column": name},
                f"{name} is required by the landing contract.",
            )
            for name in required
        ),
        Rule(
            "row_count",
            "ExpectTableRowCountToBeBetween",
            {"min_value": rules.MIN_ROWS_PER_DIGEST, "max_value": rules.MAX_ROWS_PER_DIGEST},
            "An empty digest or thousands of papers means the parser misread the dump.",
        ),
        Rule(
            "position_unique",
            "ExpectColumnValuesToBeUnique",
            {"column": "position"},
            "Each paper has its own place in the digest.",
        ),
        Rule(
            "position_1_to_n",
            "ExpectColumnValuesToBeBetween",
            {"column": "position", "min_value": 1, "max_value": row_count},
            "Positions run 1..N; with position_unique this means no gaps.",
        ),
        Rule(
            "title_unique",
            "ExpectColumnValuesToBeUnique",
            {"column": "title"},
            "A paper appears once per digest; a repeated title is a parsing slip.",
        ),
        Rule(
            "digest_date_matches_partition",
            "ExpectColumnValuesToBeInSet",
            {"column": "digest_date", "value_set": {"$PARAMETER": PARAM_PARTITION_DATE}},
            "Rows carry the date of the partition they are stored in.",
        ),
        Rule(
            "title_length",
            "ExpectColumnValueLengthsToBeBetween",
            {
                "column": "title",
                "min_value": rules.MIN_TITLE_CHARS,
                "max_value": rules.MAX_TITLE_CHARS,
            },
            "A cut-off short name or a title glued to its abstract (rules.py).",
        ),
        Rule(
            "abstract_length",
            "ExpectColumnValueLengthsToBeBetween",
            {
                "column": "abstract",
                "min_value": rules.MIN_ABSTRACT_CHARS,
                "max_value": rules.MAX_ABSTRACT_CHARS,
            },
            "A fragment, or several abstracts run together (rules.py).",
        ),
        Rule(
            "title_not_page_header",
            "ExpectColumnValuesToNotMatchRegexList",
            {"column": "title", "regex_list": list(rules.HEADER_TITLE_PATTERNS)},
            "Digest header lines and the Subscribe button must not leak into titles.",
        ),
        Rule(
            "abstract_not_title",
            "ExpectColumnValuesToBeNull",
            {"column": REPEATED_TITLE},
            "An abstract that repeats its title means the parser lost a line"
            f" ({REPEATED_TITLE} holds the title of such a row).",
        ),
        Rule(
            "arxiv_id_format",
            "ExpectColumnValuesToMatchRegex",
            {"column": "arxiv_id", "regex": rules.ARXIV_ID_PATTERN},
            "New (2412.00001, 2412.00001v2) or old (cs/0112017) arXiv ids; nulls allowed.",
        ),
        *(
            Rule(
                f"url:{column}",
                "ExpectColumnValuesToMatchRegex",
                {"column": column, "regex": rules.URL_PATTERN},
                f"{column} is an absolute http(s) URL when present.",
            )
            for column in rules.URL_COLUMNS
        ),
        Rule(
            "source_sha256_hex",
            "ExpectColumnValuesToMatchRegex",
            {"column": "source_sha256", "regex": rules.SHA256_PATTERN},
            "The checksum of the raw dump: 64 lowercase hex characters.",
        ),
        Rule(
            "source_format_known",
            "ExpectColumnValuesToBeInSet",
            {"column": "source_format", "value_set": list(SOURCE_FORMATS)},
            "One of the parsers papertrend has.",
        ),
        Rule(
            "upvotes_non_negative",
            "ExpectColumnValuesToBeBetween",
            {"column": "upvotes", "min_value": rules.MIN_UPVOTES},
            "Upvotes are counts.",
        ),
    ]
    return found


def batch_rules() -> tuple[list[Rule], list[Rule]]:
    """``digest_entries_rules`` for a whole batch: (rows rules, digests rules).

    The rows frame holds every row of the batch plus ``PARTITION_KEY``; the
    digests frame one row per partition (``frames.digest_summary``). Each rule
    keeps its name; the ones that are about a digest as a whole become
    expectations per digest:

    - the column list gains ``PARTITION_KEY``;
    - a unique column becomes the compound (``PARTITION_KEY``, column) unique;
    - the row count becomes a bound on each digest's ``row_count``;
    - 1..N (a bound that is the row count) becomes >= 1 per row and
      ``max_<column>`` <= ``row_bound`` per digest;
    - a value equal to the partition's date becomes ``min_<column>`` and
      ``max_<column>`` equal to ``partition_date`` per digest.

    Nulls are left to the not_null rules, as in the partition suite. Every
    other rule is row by row and stays as it is. A partition that fails the
    partition suite fails the batch form on a row or digest of its own, which
    is how the gate finds it (``gate.py``).
    """
    rows: list[Rule] = []
    digests: list[Rule] = []
    per_digest = " (per digest of the batch)"
    for rule in digest_entries_rules():
        kwargs = rule.kwargs
        column = kwargs.get("column")
        if rule.expectation == "ExpectTableColumnsToMatchOrderedList":
            rows.append(replace(rule, kwargs={"column_list": [*kwargs["column_list"], PARTITION_KEY]}))
        elif rule.expectation == "ExpectTableRowCountToBeBetween":
            digests.append(replace(
                rule,
                expectation="ExpectColumnValuesToBeBetween",
                kwargs={"column": DIGEST_ROW_COUNT, **kwargs},
                why=rule.why + per_digest,
            ))
        elif rule.expectation == "ExpectColumnValuesToBeUnique":
            rows.append(replace(
                rule,
                expectation="ExpectCompoundColumnsToBeUnique",
                kwargs={"column_list": [PARTITION_KEY, column], "ignore_row_if": "any_value_is_missing"},
                why=rule.why + per_digest,
            ))
        elif rule.expectation == "ExpectColumnValuesToBeBetween" and kwargs.get("max_value") == {
            "$PARAMETER": PARAM_ROW_COUNT
        }:
            rows.append(replace(rule, kwargs={"column": column, "min_value": kwargs["min_value"]}))
            digests.append(replace(
                rule,
                expectation="ExpectColumnPairValuesAToBeGreaterThanB",
                kwargs={
                    "column_A": DIGEST_ROW_BOUND,
                    "column_B": f"max_{column}",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                why=rule.why + per_digest,
            ))
        elif rule.expectation == "ExpectColumnValuesToBeInSet" and kwargs.get("value_set") == {
            "$PARAMETER": PARAM_PARTITION_DATE
        }:
            digests.extend(
                replace(
                    rule,
                    expectation="ExpectColumnPairValuesToBeEqual",
                    kwargs={
                        "column_A": f"{bound}_{column}",
                        "column_B": DIGEST_PARTITION_DATE,
                        "ignore_row_if": "either_value_is_missing",
                    },
                    why=rule.why + per_digest,
                )
                for bound in ("min", "max")
            )
        elif "$PARAMETER" in repr(kwargs) or rule.expectation.startswith("ExpectTable"):
            raise ValueError(f"rule {rule.name}: no batch form for {rule.expectation} {kwargs}")
        else:
            rows.append(rule)
    return rows, digests


def digest_aggregates() -> list[str]:
    """The digest_entries columns whose per-partition min and max the digests frame holds."""
    _, digests = batch_rules()
    return sorted({
        name.split("_", 1)[1]
        for rule in digests
        for name in (rule.kwargs.get("column_A"), rule.kwargs.get("column_B"))
        if name and name.startswith(("min_", "max_"))
    })


def _suite(name: str, rules: list[Rule], notes: str) -> ExpectationSuite:
    import great_expectations as gx

    return gx.ExpectationSuite(
        name=name,
        expectations=[
            getattr(gx.expectations, rule.expectation)(
                **rule.kwargs, meta={"rule": rule.name}, notes=rule.why
            )
            for rule in rules
        ],
        meta={"notes": notes},
    )


def build_batch_suites() -> tuple[ExpectationSuite, ExpectationSuite]:
    """The batch form of the suite (``batch_rules``) as GX objects: rows, digests."""
    rows, digests = batch_rules()
    return (
        _suite(
            BATCH_SUITE_NAME,
            rows,
            "Every row of a batch of digest_entries partitions, with gate_partition naming"
            " the partition. Built by papertrend.validation.suite.",
        ),
        _suite(
            BATCH_DIGESTS_SUITE_NAME,
            digests,
            "One row per digest_entries partition of a batch (row count, min and max of"
            " position and digest_date). Built by papertrend.validation.suite.",
        ),
    )


def build_suite() -> ExpectationSuite:
    """The suite as GX objects, attached to no context.

    The expectations go in through the constructor on purpose: GX's
    ``ExpectationSuite.add_expectation`` saves into the current context's
    store whenever a suite of that name exists there, so building the suite
    while a context is open would append to the committed suite.
    """
    return _suite(
        SUITE_NAME,
        digest_entries_rules(),
        "One digest_entries partition (one digest day). Built by papertrend.validation.suite.",
    )


def write_gx_project() -> None:
    """(Re)write the committed GX configuration under include/gx from this module."""
    import great_expectations as gx

    from papertrend.validation.context import open_context

    context = open_context()
    # Dependants first: a checkpoint refers to its validation definitions, which
    # refer to the suites and to the data source's batch definitions.
    for factory, names in (
        (context.checkpoints, (CHECKPOINT_NAME, BATCH_CHECKPOINT_NAME)),
        (
            context.validation_definitions,
            (
                VALIDATION_DEFINITION_NAME,
                BATCH_VALIDATION_DEFINITION_NAME,
                BATCH_DIGESTS_VALIDATION_DEFINITION_NAME,
            ),
        ),
        (context.suites, (SUITE_NAME, BATCH_SUITE_NAME, BATCH_DIGESTS_SUITE_NAME)),
    ):
        for existing in factory.all():
            if existing.name in names:
                factory.delete(existing.name)
    if DATA_SOURCE_NAME in context.data_sources.all():
        context.data_sources.delete(DATA_SOURCE_NAME)
    data_source = context.data_sources.add_pandas(DATA_SOURCE_NAME)

    def whole_frame(asset_name: str):
        return data_source.add_dataframe_asset(asset_name).add_batch_definition_whole_dataframe(
            BATCH_DEFINITION_NAME
        )

    def checkpoint(name: str, definitions: list, result_format: dict) -> None:
        context.checkpoints.add(
            gx.Checkpoint(
                name=name,
                validation_definitions=definitions,
                actions=[
                    gx.checkpoint.UpdateDataDocsAction(
                        name="update_data_docs", site_names=[DATA_DOCS_SITE_NAME]
                    )
                ],
                result_format=result_format,
            )
        )

    partition = context.validation_definitions.add(
        gx.ValidationDefinition(
            name=VALIDATION_DEFINITION_NAME,
            data=whole_frame(DATA_ASSET_NAME),
            suite=context.suites.add(build_suite()),
        )
    )
    checkpoint(
        CHECKPOINT_NAME,
        [partition],
        {
            # BASIC gives counts and a few offending values; SUMMARY adds value
            # counts that cost ~40% more time per partition and nobody reads.
            "result_format": "BASIC",
            "partial_unexpected_count": rules.OFFENDING_VALUES_SHOWN,
        },
    )

    rows_suite, digests_suite = build_batch_suites()
    batch = [
        context.validation_definitions.add(
            gx.ValidationDefinition(
                name=definition_name,
                data=whole_frame(asset_name),
                suite=context.suites.add(suite),
            )
        )
        for definition_name, asset_name, suite in (
            (BATCH_VALIDATION_DEFINITION_NAME, BATCH_ASSET_NAME, rows_suite),
            (BATCH_DIGESTS_VALIDATION_DEFINITION_NAME, BATCH_DIGESTS_ASSET_NAME, digests_suite),
        )
    ]
    checkpoint(
        BATCH_CHECKPOINT_NAME,
        batch,
        {
            # Which partitions failed is all the batch result has to tell: every
            # unexpected row's gate_partition (COMPLETE), without the values
            # (a failed partition is validated again on its own, which shows them).
            "result_format": "COMPLETE",
            "unexpected_index_column_names": [PARTITION_KEY],
            "exclude_unexpected_values": True,
            "return_unexpected_index_query": False,
            "partial_unexpected_count": rules.OFFENDING_VALUES_SHOWN,
        },
    )


if __name__ == "__main__":
    write_gx_project()
