{#-
  One row per paper. Incremental by paper: a run writes only the papers whose
  row changed (see macros/keys_with_changed_rows.sql) and drops the papers that
  left the lake, so a daily run does not write years of abstracts again.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
    post_hook="{{ delete_vanished(ref('int_papers_normalized'), 'paper_id') }}",
) }}

with appearances as (
    select
        paper_id,
        min(digest_date) as first_seen_date,
        max(digest_date) as last_seen_date,
        count(distinct digest_date) as days_trending,
        min(position) as best_position
    from {{ ref('digest_appearances') }}
    group by paper_id
),

upvotes as (
    select
        paper_id,
        arg_max(upvotes, observed_date) as latest_upvotes,
        max(upvotes) as peak_upvotes
    from {{ ref('paper_upvotes_daily') }}
    group by paper_id
),

links as (
    select
        paper_id,
        count(*) as link_count,
        bool_or(link_kind = 'code') as has_code
    from {{ ref('paper_links') }}
    group by paper_id
),

current_papers as (
    select
        papers.paper_id,
        papers.title,
        papers.short_name,
        abstracts.abstract_cleaned as abstract,
        papers.arxiv_id,
        papers.authors,
        appearances.first_seen_date,
        appearances.last_seen_date,
        appearances.days_trending,
        appearances.best_position,
        primary_topics.topic_id as primary_topic_id,
        coalesce(topic_kinds.paper_kind, kinds.paper_kind) as paper_kind,
        case when topic_kinds.paper_kind is not null
            then ['primary topic ' || primary_topics.topic_id] else kinds.kind_cues end as paper_kind_cues,
        coalesce(links.link_count, 0) as link_count,
        coalesce(links.has_code, false) as has_code,
        upvotes.latest_upvotes,
        upvotes.peak_upvotes
    from {{ ref('int_papers_normalized') }} as papers
    inner join appearances using (paper_id)
    inner join {{ ref('int_abstracts_cleaned') }} as abstracts using (paper_id)
    inner join {{ ref('paper_topics') }} as primary_topics
        on primary_topics.paper_id = papers.paper_id and primary_topics.is_primary
    inner join {{ ref('int_paper_kinds_classified') }} as kinds using (paper_id)
    -- without a kind cue, a topic may imply the kind: a learning theory paper is an analysis
    left join {{ ref('paper_kinds') }} as topic_kinds
        on topic_kinds.implied_by_primary_topic = primary_topics.topic_id
        and len(kinds.kind_cues) = 0
    left join links using (paper_id)
    left join upvotes using (paper_id)
)

select * from current_papers
{% if is_incremental() %}
where paper_id in ({{ keys_with_changed_rows('current_papers', 'paper_id', 'paper_id') }})
{% endif %}
