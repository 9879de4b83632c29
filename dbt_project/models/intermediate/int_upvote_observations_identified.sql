{#-
  Every upvote observation with its paper identity (as int_digest_entries_identified
  gives it) and its rank: 1 for the most upvoted paper of that digest day in that
  fetch (ties share a rank). A full rebuild each run: a day adds a few hundred
  rows (the day and the re-fetched week), a year some 150,000.
-#}
select
    observation_id,
    md5({{ normalize_title('title') }}) as paper_id,
    observed_date,
    digest_date,
    digest_position,
    upvotes,
    rank() over (partition by observed_date, digest_date, source_format order by upvotes desc) as upvote_rank,
    source_format,
    source_sha256,
    observed_at
from {{ ref('stg_lake__upvote_observations') }}
