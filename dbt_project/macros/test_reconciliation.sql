{#-
  Reconciliation: nothing is lost between the lake and the marts. The lake is
  read once, cheaply (row counts per day need no column data); the rest of the
  chain is checked from int_digest_entries_identified, whose rows carry the
  normalized paper_id, so a daily run does not re-normalize years of titles.
-#}

{#- The identified entries hold exactly the lake's rows, day by day. -#}
{% test same_row_count_per_day_as_lake(model) %}
with lake as (
    select digest_date, count(*) as lake_rows from {{ ref('stg_lake__digest_entries') }} group by all
),
identified as (
    select digest_date, count(*) as identified_rows from {{ model }} group by all
)
select *
from lake
full outer join identified using (digest_date)
where lake_rows is distinct from identified_rows
{% endtest %}

{#- Every landed (paper, day) has an appearance, and the appearances account for every landed row. -#}
{% test every_lake_row_in_digest_appearances(model) %}
with landed as (
    select paper_id, digest_date, count(*) as landed_rows
    from {{ ref('int_digest_entries_identified') }}
    group by all
)
-- one pass: a (paper, day) missing on either side has a null count there
select paper_id, digest_date, landed.landed_rows, appearances.source_entry_count
from landed
full outer join {{ model }} as appearances using (paper_id, digest_date)
where landed.landed_rows is distinct from appearances.source_entry_count
{% endtest %}

{#- Every paper landed in the lake is in the papers mart. -#}
{% test every_lake_paper_in_papers(model) %}
select distinct paper_id from {{ ref('int_digest_entries_identified') }}
except
select paper_id from {{ model }}
{% endtest %}
