-- title: What kinds of papers trend, by topic
-- description: Papers first seen in the last 30 digest days, by primary topic (the ten topics with the most) and paper kind (method, benchmark or dataset, survey, system or tool, position or analysis).
-- chart: stacked bar
-- x: topic_name
-- y: papers
-- series: paper_kind
-- aggregate: sum
-- A row per first digest day, so that the digest date filter narrows the papers counted;
-- the chart sums them per topic and kind. The ten topics are those of the whole 30 days.
with last_days as (
    select distinct digest_date from digest_appearances order by digest_date desc limit 30
),
recent_papers as (
    select papers.paper_id, papers.first_seen_date, papers.paper_kind, topics.topic_name
    from papers
    inner join topics on topics.topic_id = papers.primary_topic_id
    where papers.first_seen_date in (select digest_date from last_days)
),
top_topics as (
    select topic_name from recent_papers group by topic_name order by count(*) desc, topic_name limit 10
)
select
    recent_papers.first_seen_date as digest_date,
    recent_papers.topic_name,
    recent_papers.paper_kind,
    count(*) as papers
from recent_papers
where recent_papers.topic_name in (select topic_name from top_topics)
group by all
order by digest_date, recent_papers.topic_name, recent_papers.paper_kind
