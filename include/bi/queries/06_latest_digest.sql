-- title: The latest digest
-- description: The most recent digest's papers in order, with their primary topic, kind and links.
-- chart: table
with latest as (
    select max(digest_date) as digest_date from digest_appearances
),
links as (
    select
        paper_id,
        min(url) filter (where link_kind = 'code') as code_url,
        min(url) filter (where link_kind = 'project_page') as project_url
    from paper_links
    group by paper_id
)
select
    appearances.position,
    papers.short_name,
    topics.topic_name,
    papers.paper_kind,
    links.code_url,
    links.project_url,
    papers.title,
    appearances.digest_date
from digest_appearances as appearances
inner join latest using (digest_date)
inner join papers using (paper_id)
inner join topics on topics.topic_id = papers.primary_topic_id
left join links using (paper_id)
order by appearances.position
