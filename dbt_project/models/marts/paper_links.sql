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
