{#-
  One row per paper, deduplicated across days and formats. Attributes come from
  the paper's most recent appearance, preferring the richer source formats on
  the same day; arxiv_id / links are the latest non-null any source gave.
  abstracts_seen keeps every distinct abstract the paper was published with, so
  a URL printed only in an older (or longer) abstract is not lost to a later,
  shorter summary from another source.
-#}
with entries as (
    select
        *,
        case source_format when 'hf_api' then 1 when 'flat_json' then 2 else 3 end as source_rank
    from {{ ref('int_digest_entries_identified') }}
),

latest_first as (
    select
        *,
        row_number() over (
            partition by paper_id
            order by digest_date desc, source_rank, ingested_at desc, digest_position, entry_id
        ) as recency_rank
    from entries
),

latest_known as (
    select
        paper_id,
        arg_max(arxiv_id, digest_date) filter (where arxiv_id is not null) as arxiv_id,
        arg_max(github_repo, digest_date) filter (where github_repo is not null) as github_repo,
        arg_max(project_page, digest_date) filter (where project_page is not null) as project_page,
        -- Lake abstracts have their whitespace collapsed, so a newline can separate them.
        string_agg(distinct abstract_raw, chr(10) order by abstract_raw) as abstracts_seen
    from entries
    group by paper_id
)

select
    latest_first.paper_id,
    latest_first.title,
    latest_first.title_normalized,
    case
        when strpos(latest_first.title, ':') between 2 and 61
            then trim(split_part(latest_first.title, ':', 1))
    end as short_name,
    latest_first.abstract_raw,
    latest_known.arxiv_id,
    latest_known.github_repo,
    latest_known.project_page,
    latest_known.abstracts_seen,
    {{ surrogate_key(['latest_first.title', 'latest_first.abstract_raw', 'latest_known.abstracts_seen', 'latest_known.github_repo', 'latest_known.project_page']) }} as content_hash
from latest_first
inner join latest_known using (paper_id)
where latest_first.recency_rank = 1
