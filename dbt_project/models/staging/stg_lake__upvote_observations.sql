-- Renames and casts only. An older lake has no observations yet: then no rows, same columns.
{% if lake_dataset_has_files('upvote_observations/*/*/*.parquet') %}
select
    {{ surrogate_key(['observed_date', 'digest_date', 'source_format', 'position']) }} as observation_id,
    cast(observed_date as date) as observed_date,
    cast(digest_date as date) as digest_date,
    cast(position as integer) as digest_position,
    title,
    nullif(trim(arxiv_id), '') as arxiv_id,
    cast(upvotes as integer) as upvotes,
    source_format,
    source_sha256,
    cast(observed_at as timestamptz) as observed_at
from {{ source('lake', 'upvote_observations') }}
{% else %}
select
    cast(null as varchar) as observation_id,
    cast(null as date) as observed_date,
    cast(null as date) as digest_date,
    cast(null as integer) as digest_position,
    cast(null as varchar) as title,
    cast(null as varchar) as arxiv_id,
    cast(null as integer) as upvotes,
    cast(null as varchar) as source_format,
    cast(null as varchar) as source_sha256,
    cast(null as timestamptz) as observed_at
where false
{% endif %}
