with primary_papers as (
    select paper_topics.topic_id, papers.paper_id, papers.first_seen_date, papers.last_seen_date
    from {{ ref('paper_topics') }} as paper_topics
    inner join {{ ref('papers') }} as papers using (paper_id)
    where paper_topics.is_primary
),

topic_stats as (
    select
        topic_id,
        count(*) as paper_count,
        min(first_seen_date) as first_seen_date,
        max(last_seen_date) as last_seen_date
    from primary_papers
    group by topic_id
),

matched_stats as (
    select topic_id, count(*) as matched_paper_count
    from {{ ref('paper_topics') }}
    where score > 0
    group by topic_id
)

select
    taxonomy.topic_id,
    taxonomy.topic_name,
    taxonomy.description,
    {{ split_terms('taxonomy.strong_terms') }} as match_terms,
    {{ split_terms('taxonomy.weak_terms') }} as weak_terms,
    taxonomy.is_catch_all,
    coalesce(topic_stats.paper_count, 0) as paper_count,
    coalesce(matched_stats.matched_paper_count, 0) as matched_paper_count,
    topic_stats.first_seen_date,
    topic_stats.last_seen_date
from {{ ref('topic_taxonomy') }} as taxonomy
left join topic_stats using (topic_id)
left join matched_stats using (topic_id)
