{#- Reconciliation: nothing is lost between the lake and the marts. -#}

{#- Every landed (paper, day) has an appearance, and the appearances account for every landed row. -#}
{% test every_lake_row_in_digest_appearances(model) %}
with landed as (
    select md5({{ normalize_title('title') }}) as paper_id, digest_date, count(*) as landed_rows
    from {{ ref('stg_lake__digest_entries') }}
    group by all
)
select landed.paper_id, landed.digest_date, landed.landed_rows, appearances.source_entry_count
from landed
left join {{ model }} as appearances using (paper_id, digest_date)
where appearances.paper_id is null or appearances.source_entry_count <> landed.landed_rows
union all
select appearances.paper_id, appearances.digest_date, null, appearances.source_entry_count
from {{ model }} as appearances
anti join landed using (paper_id, digest_date)
{% endtest %}

{#- Every paper landed in the lake is in the papers mart. -#}
{% test every_lake_paper_in_papers(model) %}
select distinct md5({{ normalize_title('title') }}) as paper_id
from {{ ref('stg_lake__digest_entries') }}
except
select paper_id from {{ model }}
{% endtest %}
