select
    paper_topic_id,
    paper_id,
    topic_id,
    score,
    matched_terms,
    is_primary
from {{ ref('int_paper_topics_matched') }}
where paper_id in (select paper_id from {{ ref('int_papers_normalized') }})
