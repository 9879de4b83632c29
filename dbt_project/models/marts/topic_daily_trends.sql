{#-
  Topic x day: how many of the day's papers had the topic as primary, and
  their share of the day; every topic has a row for every day (zeros
  included) so charts draw continuous lines.

  Incremental by day. A day is rebuilt when its papers or any of their primary
  topics changed, or when the taxonomy's topics or names did
  (assignment_fingerprint covers both), so a paper re-matched after a new
  abstract refreshes the days it appeared on, and a new or renamed topic
  reaches every day.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='digest_date',
    on_schema_change='fail',
    post_hook="{{ delete_vanished(ref('digest_appearances'), 'digest_date') }}",
) }}

{% set assignments %}
    select appearances.digest_date, appearances.paper_id, primary_topics.topic_id
    from {{ ref('digest_appearances') }} as appearances
    inner join {{ ref('int_paper_topics_matched') }} as primary_topics
        on primary_topics.paper_id = appearances.paper_id and primary_topics.is_primary
{% endset %}
{#- order-free, so that checking every day of the history on each run sorts nothing -#}
{% set assignment_fingerprint %}
    md5({{ order_free_fingerprint("paper_id || ':' || topic_id") }} || (
        select md5(string_agg(topic_id || ':' || topic_name, ';' order by topic_id)) from {{ ref('topic_taxonomy') }}
    ))
{% endset %}
{% set day_fingerprints %}
    select digest_date, {{ assignment_fingerprint }} as assignment_fingerprint
    from ({{ assignments }})
    group by digest_date
{% endset %}
{% if is_incremental() %}
    {% set changed_dates = changed_digest_dates(day_fingerprints, 'assignment_fingerprint') %}
{% endif %}

with assignments as (
    select * from ({{ assignments }})
    {% if is_incremental() %}
    where digest_date in {{ date_literals(changed_dates) }}
    {% endif %}
),

days as (
    select
        digest_date,
        count(*) as day_paper_count,
        {{ assignment_fingerprint }} as assignment_fingerprint
    from assignments
    group by digest_date
),

topic_counts as (
    select digest_date, topic_id, count(*) as paper_count
    from assignments
    group by digest_date, topic_id
)

select
    {{ surrogate_key(['topics.topic_id', 'days.digest_date']) }} as topic_day_id,
    topics.topic_id,
    topics.topic_name,
    days.digest_date,
    coalesce(topic_counts.paper_count, 0) as paper_count,
    days.day_paper_count,
    round(coalesce(topic_counts.paper_count, 0) / days.day_paper_count, 4) as share_of_day,
    days.assignment_fingerprint
from days
cross join {{ ref('topic_taxonomy') }} as topics
left join topic_counts
    on topic_counts.digest_date = days.digest_date and topic_counts.topic_id = topics.topic_id
