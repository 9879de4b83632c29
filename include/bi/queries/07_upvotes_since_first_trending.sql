-- title: How upvotes build after a paper trends
-- description: Hugging Face upvotes of the ten papers with the most, by days since the paper first trended: one line per paper, a point per day its upvotes were observed. Papers that only text digests listed have no upvotes and are left out.
-- chart: line
-- x: days_since_first_trending
-- y: upvotes
-- series: paper
-- series_limit: 10
-- days since the paper's first digest day rather than paper_upvotes_daily.days_since_digest:
-- a paper listed on several days would restart at 0 on each, one line folding back on itself.
with paper_labels as (
    -- the short name, or the title when two papers with upvotes share it ("Hydra:")
    select
        paper_id,
        case when count(*) over (partition by short_name) > 1 then title else short_name end as paper
    from papers
    where peak_upvotes is not null
)
select
    upvotes.observed_date - papers.first_seen_date as days_since_first_trending,
    paper_labels.paper,
    upvotes.upvotes,
    upvotes.upvotes_gained,
    papers.first_seen_date as digest_date,
    topics.topic_name,
    papers.peak_upvotes
from paper_upvotes_daily as upvotes
inner join papers using (paper_id)
inner join paper_labels using (paper_id)
inner join topics on topics.topic_id = papers.primary_topic_id
order by papers.peak_upvotes desc, paper_labels.paper, days_since_first_trending
