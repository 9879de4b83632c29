{#-
  How attention builds: one row per paper per day its upvotes were observed.
  When several observations of one day count the same paper (the API dump and
  a mirror export, or two digest days listing it), the API's wins, then the
  mirror's, then the later digest day. A full rebuild each run (see
  int_upvote_observations_identified).
-#}
with observations as (
    select *
    from {{ ref('int_upvote_observations_identified') }}
    -- a paper a later fetch of its day no longer lists has left the lake: not here
    where paper_id in (select paper_id from {{ ref('int_papers_normalized') }})
    qualify row_number() over (
        partition by paper_id, observed_date
        order by case source_format when 'hf_api' then 1 when 'flat_json' then 2 else 3 end,
                 digest_date desc, upvotes desc, observation_id
    ) = 1
)

select
    {{ surrogate_key(['paper_id', 'observed_date']) }} as paper_upvotes_id,
    paper_id,
    observed_date,
    digest_date,
    observed_date - digest_date as days_since_digest,
    upvotes,
    upvotes - lag(upvotes) over (partition by paper_id order by observed_date) as upvotes_gained,
    upvote_rank,
    source_format
from observations
-- a stable physical order: the same lake builds the same table
order by paper_id, observed_date
