{#-
  Every URL a paper carries: those in any abstract it was published with plus
  every github_repo / project_page any structured source gave (the union over
  sources and days), cleaned, classified and deduplicated per paper. Incremental on content like int_abstracts_cleaned.

  A URL broken by a line-wrap space after a hyphen ("https://github.com/x/efficient- NLP-training")
  keeps the printed part as url, is flagged is_broken, and gets repaired_url,
  the best guess of the whole address.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
) }}

with papers as (
    select paper_id, content_hash, coalesce(abstracts_seen, abstract_raw) as abstracts_seen, github_repos_seen, project_pages_seen
    from {{ ref('int_papers_normalized') }} as papers
    {{ where_changed_since_last_load({'paper_id': 'papers.paper_id', 'content_hash': 'papers.content_hash'}) }}
),

candidates as (
    select paper_id, content_hash, 'abstract' as link_source, 3 as source_rank, unnest(
        -- a trailing "-<space><word>" is captured so that a line-wrapped URL can be noticed;
        -- a literal space, not \s, so the newline between two abstracts never joins them
        regexp_extract_all(abstracts_seen, 'https?://(?:\S*- +[A-Za-z0-9]\S*|\S+)')
    ) as candidate
    from papers
    union all
    select paper_id, content_hash, 'github_repo', 1, unnest(github_repos_seen) from papers
    union all
    select paper_id, content_hash, 'project_page', 2, unnest(project_pages_seen) from papers
),

unwrapped as (
    select
        *,
        candidate like '%-% %' as is_broken,
        -- "https://x{https://x}" -> the braced copy; otherwise drop "{here.}"-style tails
        coalesce(
            nullif(regexp_extract(candidate, '\{(https?://[^\s{}]+)\}', 1), ''),
            split_part(split_part(candidate, ' ', 1), '{', 1)
        ) as url_unwrapped
    from candidates
),

cleaned as (
    select
        *,
        {{ strip_trailing_url_punctuation('url_unwrapped') }} as url,
        case
            when is_broken
                then {{ strip_trailing_url_punctuation("split_part(url_unwrapped, ' ', 1) || regexp_replace(split_part(candidate, ' ', -1), '[{].*$', '')") }}
        end as repaired_url
    from unwrapped
),

classified as (
    select
        *,
        lower(regexp_extract(url, '^https?://(?:www\.)?([^/:?#]+)', 1)) as domain,
        string_split(regexp_extract(coalesce(repaired_url, url), '^https?://[^/]+/([^?#]*)', 1), '/') as path_segments,
        -- what makes two spellings the same link: scheme, www., trailing slash and case
        lower(regexp_replace(regexp_replace(url, '^https?://(www\.)?', ''), '/+$', '')) as url_key
    from cleaned
    -- regexp_matches, never the ~ operator: DuckDB up to 1.5 reads ~ as a full match
    -- (regexp_full_match), 2.0 as a partial one (PostgreSQL), so this start-anchored
    -- pattern kept every URL on 2.0 and none on 1.5
    where regexp_matches(url, '^https?://[^/\s]+\.[^/\s]+')
),

kinded as (
    select
        *,
        case
            when link_source = 'github_repo'
                or domain in ('github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org', 'sourceforge.net', 'anonymous.4open.science')
                then 'code'
            when domain in ('huggingface.co', 'hf.co', 'kaggle.com', 'zenodo.org', 'modelscope.cn', 'figshare.com', 'ollama.com')
                then 'hub'
            when domain in ('arxiv.org', 'doi.org', 'openreview.net', 'aclanthology.org', 'proceedings.neurips.cc',
                            'papers.nips.cc', 'proceedings.mlr.press', 'ieeexplore.ieee.org', 'dl.acm.org', 'semanticscholar.org')
                then 'paper'
            when link_source = 'project_page'
                or domain like '%.github.io' or domain like '%.gitlab.io' or domain = 'sites.google.com'
                or url ilike '%/project%'
                then 'project_page'
            else 'other'
        end as link_kind
    from classified
),

deduplicated as (
    select *
    from kinded
    qualify row_number() over (partition by paper_id, url_key order by source_rank, url) = 1
)

select
    {{ surrogate_key(['paper_id', 'url_key']) }} as link_id,
    paper_id,
    content_hash,
    url,
    domain,
    link_kind,
    case when domain in ('github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org') then nullif(path_segments[1], '') end as repo_owner,
    case when domain in ('github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org')
        then nullif(regexp_replace(path_segments[2], '\.git$', ''), '') end as repo_name,
    link_source,
    is_broken,
    repaired_url
from deduplicated
