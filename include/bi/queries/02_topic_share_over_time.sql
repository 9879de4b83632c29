-- title: Topic share over time
-- description: Share of each digest day's papers by primary topic (percent); topics that never appear are left out.
-- chart: stacked area
-- x: digest_date
-- y: share_pct
-- series: topic_name
select
    trends.digest_date,
    trends.topic_name,
    round(100 * trends.share_of_day, 1) as share_pct,
    trends.paper_count as papers
from topic_daily_trends as trends
where trends.topic_id in (select topic_id from topic_daily_trends group by topic_id having sum(paper_count) > 0)
order by trends.digest_date, trends.topic_name
