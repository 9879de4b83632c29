{#-
  Every landed row with its paper identity. Incremental by digest day: a day is
  rebuilt when its files in the lake changed (lake_files_fingerprint: path, size
  and modification time, which listing the lake gives without reading a file),
  so a daily run reads only the new day's partition whatever the size of the
  lake. digest_fingerprint (the day's dump checksums) is what downstream models
  compare: it changes only when the day's content does.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='digest_date',
    on_schema_change='fail',
    post_hook="{{ delete_vanished(ref('stg_lake__digest_entry_files'), 'digest_date') }}",
) }}

{% set lake_day_fingerprints %}
    select
        digest_date,
        md5(string_agg(concat_ws(':', file_path, size_bytes, modified_at), ',' order by file_path)) as lake_files_fingerprint
    from {{ ref('stg_lake__digest_entry_files') }}
    group by digest_date
{% endset %}
{% if is_incremental() %}
    {% set changed_dates = changed_digest_dates(lake_day_fingerprints, 'lake_files_fingerprint') %}
{% endif %}

with entries as (
    select *
    from {{ ref('stg_lake__digest_entries') }}
    {% if is_incremental() %}
    where digest_date in {{ date_literals(changed_dates) }}
    {% endif %}
),

identified as (
    select
        *,
        {{ normalize_title('title') }} as title_normalized
    from entries
),

day_fingerprints as (
    select digest_date, md5(string_agg(distinct source_sha256, ',' order by source_sha256)) as digest_fingerprint
    from entries
    group by digest_date
),

lake_days as (
    {{ lake_day_fingerprints }}
)

select
    entry_id,
    md5(title_normalized) as paper_id,
    digest_date,
    digest_position,
    title,
    title_normalized,
    abstract_raw,
    arxiv_id,
    authors,
    upvotes,
    published_at,
    github_repo,
    project_page,
    source_format,
    source_uri,
    source_sha256,
    ingested_at,
    day_fingerprints.digest_fingerprint,
    lake_days.lake_files_fingerprint
from identified
inner join day_fingerprints using (digest_date)
-- a left join: a file landed between listing and reading keeps its rows, and its day is read again next run
left join lake_days using (digest_date)
