"""The landing contract: the exact Arrow schemas of what we write to the lake."""

from __future__ import annotations

import pyarrow as pa

PARSER_VERSION = "1.0.0"

SOURCE_FORMATS = ("text", "hf_api", "flat_json")

DIGEST_ENTRIES_SCHEMA = pa.schema(
    [
        pa.field("digest_date", pa.date32(), nullable=False),
        pa.field("position", pa.int32(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("abstract", pa.string(), nullable=False),
        pa.field("arxiv_id", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("upvotes", pa.int32()),
        pa.field("published_at", pa.timestamp("us", tz="UTC")),
        pa.field("github_repo", pa.string()),
        pa.field("project_page", pa.string()),
        pa.field("source_format", pa.string(), nullable=False),
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("source_sha256", pa.string(), nullable=False),
        pa.field("parser_version", pa.string(), nullable=False),
        pa.field("ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

# What a lake file holds: the same without digest_date, which is the Hive
# partition key in the folder name (digest_date=YYYY-MM-DD), never in the file.
DIGEST_ENTRIES_FILE_SCHEMA = DIGEST_ENTRIES_SCHEMA.remove(DIGEST_ENTRIES_SCHEMA.get_field_index("digest_date"))

# Every upvote count seen, kept across re-fetches (one row per paper with upvotes
# per landed dump): lake/upvote_observations/observed_date=O/digest_date=D/<format>.parquet.
# observed_date (the day the count was seen) and digest_date are Hive partition
# keys, in the folder names only; the file holds the rest.
UPVOTE_OBSERVATIONS_FILE_SCHEMA = pa.schema(
    [
        pa.field("position", pa.int32(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("arxiv_id", pa.string()),
        pa.field("upvotes", pa.int32(), nullable=False),
        pa.field("source_format", pa.string(), nullable=False),
        pa.field("source_sha256", pa.string(), nullable=False),
        pa.field("observed_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

# One row per dump per ingest attempt: "what came in, when, and what happened to it".
INGEST_LEDGER_SCHEMA = pa.schema(
    [
        pa.field("source_sha256", pa.string(), nullable=False),
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("source_format", pa.string()),
        pa.field("digest_date", pa.date32()),
        pa.field("status", pa.string(), nullable=False),
        pa.field("row_count", pa.int32()),
        pa.field("reason", pa.string()),
        pa.field("raw_path", pa.string()),
        pa.field("recorded_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

# Ledger statuses: landed (the day had no dump of its source format), unchanged
# (same dump seen before, nothing written), replaced (a changed dump replaced the
# day's file of its format), reobserved (the day's dump of its format fetched
# again with only upvotes or their order changed: a new upvote observation, the
# day's file now holds the latest counts), rejected (parse or validation failed;
# the dump is in quarantine).
LEDGER_STATUSES = ("landed", "unchanged", "replaced", "reobserved", "rejected")
