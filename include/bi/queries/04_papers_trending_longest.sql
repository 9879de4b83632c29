-- title: Papers trending longest
-- description: The papers seen on the most digest days, with their best position, when they were first and last seen, and their code.
-- chart: table
-- row_limit: 25
with code_links as (
    select paper_id, min(url) as code_url from paper_links where link_kind = 'code' group by paper_id
)
select
    papers.short_name,
    topics.topic_name,
    papers.days_trending,
    papers.best_position,
    papers.first_seen_date,
    papers.last_seen_date,
    code_links.code_url,
    papers.title
from papers
inner join topics on topics.topic_id = papers.primary_topic_id
left join code_links using (paper_id)
order by papers.days_trending desc, papers.best_position, papers.title
