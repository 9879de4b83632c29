-- title: Papers per digest day
-- description: How many papers each digest listed, and how many of them were new (first seen that day).
-- chart: line
-- x: digest_date
-- y: papers, new_papers
select
    appearances.digest_date,
    count(*) as papers,
    count(*) filter (where papers.first_seen_date = appearances.digest_date) as new_papers
from digest_appearances as appearances
inner join papers using (paper_id)
group by appearances.digest_date
order by appearances.digest_date
