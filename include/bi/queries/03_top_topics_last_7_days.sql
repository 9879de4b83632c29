-- title: Top topics of the last 7 digest days
-- description: Papers by primary topic over the seven most recent digest days (the ten biggest topics).
-- chart: bar
-- x: topic_name
-- y: papers
with last_days as (
    select distinct digest_date from topic_daily_trends order by digest_date desc limit 7
)
select trends.topic_name, sum(trends.paper_count)::integer as papers
from topic_daily_trends as trends
where trends.digest_date in (select digest_date from last_days)
group by trends.topic_name
having sum(trends.paper_count) > 0
order by papers desc, trends.topic_name
limit 10
