{#-
  Every landed row with its paper identity. Incremental by digest day: a day is
  rebuilt when the set of dumps behind it (their checksums) changed, so a daily
  run reads only the new day's partition whatever the size of the lake.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='digest_date',
    on_schema_change='fail',
    post_hook="{{ delete_vanished_digest_days(ref('stg_lake__digest_entries')) }}",
) }}

{% set lake_day_fingerprints %}
    select digest_date, md5(string_agg(distinct source_sha256, ',' order by source_sha256)) as digest_fingerprint
    from {{ ref('stg_lake__digest_entries') }}
    group by digest_date
{% endset %}
{% if is_incremental() %}
    {% set changed_dates = changed_digest_dates(lake_day_fingerprints, 'digest_fingerprint') %}
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
    md5(string_agg(distinct source_sha256, ',' order by source_sha256) over (partition by digest_date)) as digest_fingerprint
from identified
