{#-
  The fact table of what trended when: one row per paper per digest day.
  When several dumps of the same day list a paper (the lake keeps one per
  source format: a text dump and an API dump), the source precedence decides,
  API JSON > mirror JSON > text: that source's row gives position, upvotes and
  source (not the earliest position of any), and source_entry_count says how
  many landed rows the appearance stands for. Incremental by day (delete+insert).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='digest_date',
    on_schema_change='fail',
    post_hook="{{ delete_vanished(ref('int_digest_entries_identified'), 'digest_date') }}",
) }}

{% set upstream_day_fingerprints %}
    select distinct digest_date, digest_fingerprint from {{ ref('int_digest_entries_identified') }}
{% endset %}
{% if is_incremental() %}
    {% set changed_dates = changed_digest_dates(upstream_day_fingerprints, 'digest_fingerprint') %}
{% endif %}

with entries as (
    select
        *,
        case source_format when 'hf_api' then 1 when 'flat_json' then 2 else 3 end as source_rank
    from {{ ref('int_digest_entries_identified') }}
    {% if is_incremental() %}
    where digest_date in {{ date_literals(changed_dates) }}
    {% endif %}
)

select
    {{ surrogate_key(['paper_id', 'digest_date']) }} as appearance_id,
    paper_id,
    digest_date,
    digest_position as position,
    upvotes,
    source_format,
    source_uri,
    count(*) over (partition by paper_id, digest_date) as source_entry_count,
    digest_fingerprint
from entries
qualify row_number() over (
    partition by paper_id, digest_date
    order by source_rank, digest_position, ingested_at desc, entry_id
) = 1
