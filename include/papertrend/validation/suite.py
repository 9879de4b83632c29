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

from dataclasses import dataclass
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
            {"column_list": columns},
            "Exactly the landing contract's columns, in its order (papertrend.schema).",
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
            "ExpectSelectColumnValuesToBeUniqueWithinRecord",
            {"column_list": ["title", "abstract"]},
            "An abstract that repeats its title means the parser lost a line.",
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


def build_suite() -> ExpectationSuite:
    """The suite as GX objects, attached to no context.

    The expectations go in through the constructor on purpose: GX's
    ``ExpectationSuite.add_expectation`` saves into the current context's
    store whenever a suite of that name exists there, so building the suite
    while a context is open would append to the committed suite.
    """
    import great_expectations as gx

    return gx.ExpectationSuite(
        name=SUITE_NAME,
        expectations=[
            getattr(gx.expectations, rule.expectation)(
                **rule.kwargs, meta={"rule": rule.name}, notes=rule.why
            )
            for rule in digest_entries_rules()
        ],
        meta={"notes": "One digest_entries partition (one digest day). Built by papertrend.validation.suite."},
    )


def write_gx_project() -> None:
    """(Re)write the committed GX configuration under include/gx from this module."""
    import great_expectations as gx

    from papertrend.validation.context import open_context

    context = open_context()
    # Dependants first: a checkpoint refers to its validation definition, which
    # refers to the suite and to the data source's batch definition.
    for factory, name in (
        (context.checkpoints, CHECKPOINT_NAME),
        (context.validation_definitions, VALIDATION_DEFINITION_NAME),
        (context.suites, SUITE_NAME),
    ):
        if any(existing.name == name for existing in factory.all()):
            factory.delete(name)
    if DATA_SOURCE_NAME in context.data_sources.all():
        context.data_sources.delete(DATA_SOURCE_NAME)
    batch_definition = (
        context.data_sources.add_pandas(DATA_SOURCE_NAME)
        .add_dataframe_asset(DATA_ASSET_NAME)
        .add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)
    )

    suite = context.suites.add(build_suite())
    validation_definition = context.validation_definitions.add(
        gx.ValidationDefinition(
            name=VALIDATION_DEFINITION_NAME, data=batch_definition, suite=suite
        )
    )
    context.checkpoints.add(
        gx.Checkpoint(
            name=CHECKPOINT_NAME,
            validation_definitions=[validation_definition],
            actions=[
                gx.checkpoint.UpdateDataDocsAction(
                    name="update_data_docs", site_names=[DATA_DOCS_SITE_NAME]
                )
            ],
            result_format={
                # BASIC gives counts and a few offending values; SUMMARY adds value
                # counts that cost ~40% more time per partition and nobody reads.
                "result_format": "BASIC",
                "partial_unexpected_count": rules.OFFENDING_VALUES_SHOWN,
            },
        )
    )


if __name__ == "__main__":
    write_gx_project()
