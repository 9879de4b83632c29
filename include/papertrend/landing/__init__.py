"""Landing: the raw archive, the Parquet lake, the ingest ledger and quarantine."""
