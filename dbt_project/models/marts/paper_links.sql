{#- Incremental by paper like papers: only papers whose links changed are written again. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
    post_hook="{{ delete_vanished(ref('int_papers_normalized'), 'paper_id') }}",
) }}

with current_paper_links as (
    select
        link_id,
        paper_id,
        url,
        domain,
        link_kind,
        repo_owner,
        repo_name,
        link_source,
        is_broken,
        repaired_url
    from {{ ref('int_links_extracted') }}
    -- links of papers that have left the lake stay in the incremental layer below; not here
    where paper_id in (select paper_id from {{ ref('int_papers_normalized') }})
)

select * from current_paper_links
{% if is_incremental() %}
where paper_id in ({{ keys_with_changed_rows('current_paper_links', 'link_id', 'paper_id') }})
{% endif %}
-- a stable physical order: the same lake builds the same table (and the README's queries show the same rows)
order by paper_id, url
