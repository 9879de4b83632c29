{#- Incremental by paper like papers: only papers whose topic rows changed are written again. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
    post_hook="{{ delete_vanished(ref('int_papers_normalized'), 'paper_id') }}",
) }}

with current_paper_topics as (
    select
        paper_topic_id,
        paper_id,
        topic_id,
        score,
        matched_terms,
        is_primary
    from {{ ref('int_paper_topics_matched') }}
    -- matches of papers that have left the lake stay in the incremental layer below; not here
    where paper_id in (select paper_id from {{ ref('int_papers_normalized') }})
)

select * from current_paper_topics
{% if is_incremental() %}
where paper_id in ({{ keys_with_changed_rows('current_paper_topics', 'paper_topic_id', 'paper_id') }})
{% endif %}
