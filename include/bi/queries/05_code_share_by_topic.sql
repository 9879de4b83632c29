-- title: Share of papers with code, by primary topic
-- description: Percent of each topic's papers that link a code repository (topics with at least 3 papers).
-- chart: bar
-- x: topic_name
-- y: pct_with_code
select
    topics.topic_name,
    count(*) as papers,
    round(100 * avg(papers.has_code::integer), 1) as pct_with_code
from papers
inner join topics on topics.topic_id = papers.primary_topic_id
group by topics.topic_name
having count(*) >= 3
order by pct_with_code desc, topics.topic_name
