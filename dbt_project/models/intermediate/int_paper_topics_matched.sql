{#-
  Explainable topic matching. Title and cleaned abstract are tokenized (lower
  case, light plural stemming) and every taxonomy term is looked up as a
  token sequence. A paper-topic score is the sum over the distinct terms
  found of (words in the term) x (3 if in the title + 1 if in the abstract),
  times the topic's weight from the seed (broad topics weigh less): long
  terms and title hits weigh more, repetition does not.

  The primary topic is the best score; ties go to more distinct terms, then
  the seed's priority (lower = more specific), then topic_id. A paper that
  matches nothing gets the catch-all topic (is_catch_all in the seed).

  Incremental on content: a paper is matched again when its text or the
  taxonomy (taxonomy_hash) changed.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
) }}

with taxonomy as (
    select * from {{ ref('topic_taxonomy') }}
),

taxonomy_version as (
    select md5(string_agg(concat_ws('|', topic_id, match_terms, priority, weight, is_catch_all), ';' order by topic_id)) as taxonomy_hash
    from taxonomy
),

papers as (
    select papers.paper_id, papers.content_hash, papers.title, abstracts.abstract_cleaned, taxonomy_version.taxonomy_hash
    from {{ ref('int_papers_normalized') }} as papers
    inner join {{ ref('int_abstracts_cleaned') }} as abstracts using (paper_id)
    cross join taxonomy_version
    {{ where_changed_since_last_load({
        'paper_id': 'papers.paper_id',
        'content_hash': 'papers.content_hash',
        'taxonomy_hash': 'taxonomy_version.taxonomy_hash',
    }) }}
),

terms as (
    select topic_id, term, term_tokens, len(term_tokens) as term_length
    from (
        select topic_id, trim(term) as term, {{ tokenize_for_matching('term') }} as term_tokens
        from (select topic_id, unnest(string_split(match_terms, '|')) as term from taxonomy where match_terms is not null)
    )
    where len(term_tokens) > 0
    -- spellings that tokenize alike ("chain of thought", "chain-of-thought") count once
    qualify row_number() over (partition by topic_id, term_tokens order by term) = 1
),

documents as (
    select paper_id, 'title' as field, {{ tokenize_for_matching('title') }} as tokens from papers
    union all
    select paper_id, 'abstract' as field, {{ tokenize_for_matching('abstract_cleaned') }} as tokens from papers
),

token_positions as (
    select paper_id, field, unnest(tokens) as token, generate_subscripts(tokens, 1) as token_index
    from documents
),

-- cheap hash join on the first word, then the whole term is compared
first_word_hits as (
    select token_positions.paper_id, token_positions.field, token_positions.token_index, terms.*
    from token_positions
    inner join terms on token_positions.token = terms.term_tokens[1]
),

term_hits as (
    select distinct first_word_hits.paper_id, first_word_hits.field, first_word_hits.topic_id, first_word_hits.term, first_word_hits.term_length
    from first_word_hits
    inner join documents using (paper_id, field)
    where documents.tokens[first_word_hits.token_index : first_word_hits.token_index + first_word_hits.term_length - 1]
        = first_word_hits.term_tokens
),

term_scores as (
    select
        paper_id,
        topic_id,
        term,
        term_length * (3 * max(case when field = 'title' then 1 else 0 end) + max(case when field = 'abstract' then 1 else 0 end)) as term_score
    from term_hits
    group by paper_id, topic_id, term, term_length
),

topic_scores as (
    select
        paper_id,
        topic_id,
        round(sum(term_score) * any_value(weight), 2) as score,
        list(term order by term_score desc, term) as matched_terms
    from term_scores
    inner join taxonomy using (topic_id)
    group by paper_id, topic_id
),

catch_all as (
    select papers.paper_id, taxonomy.topic_id, 0.0 as score, cast([] as varchar[]) as matched_terms
    from papers
    cross join (select topic_id from taxonomy where is_catch_all order by topic_id limit 1) as taxonomy
    where not exists (select 1 from topic_scores where topic_scores.paper_id = papers.paper_id)
),

candidates as (
    select * from topic_scores
    union all
    select * from catch_all
)

select
    {{ surrogate_key(['candidates.paper_id', 'candidates.topic_id']) }} as paper_topic_id,
    candidates.paper_id,
    candidates.topic_id,
    candidates.score,
    candidates.matched_terms,
    row_number() over (
        partition by candidates.paper_id
        order by candidates.score desc, len(candidates.matched_terms) desc, taxonomy.priority, candidates.topic_id
    ) = 1 as is_primary,
    papers.content_hash,
    papers.taxonomy_hash
from candidates
inner join papers using (paper_id)
inner join taxonomy using (topic_id)
