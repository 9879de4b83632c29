{#-
  Explainable topic matching: every assignment shows its evidence
  (matched_terms) and its score.

  Terms. Each topic of the topic_taxonomy seed has strong terms (specific to
  it: "gaussian splatting", "rlvr") and weak terms (supporting evidence that
  alone says little: "3d", "video", "benchmark"-like general words). Title and
  cleaned abstract are tokenized (lower case, light plural stemming) and each
  term is found as a whole-word sequence. Phrases of the topic_term_masks seed
  ("video clip", "data point", "temporal alignment") hide the words inside
  them, so an ambiguous word in a known innocent context counts for nothing.

  Score of a term for a paper: specificity x length x where.
    specificity  1 for a strong term, var topic_weak_term_weight for a weak one;
    length       1 + 0.5 per extra word (a phrase is more specific than a word);
    where        var topic_title_weight if in the title, plus 1 for the first
                 abstract occurrence and 0.5 for each of the next two.
                 A title term after "via", "using", "with" or "through" is
                 the paper's means, not its subject ("Document Ranking with
                 a Sequence-to-Sequence Model"): it counts as an abstract one.
  A term found inside a longer term of the same topic ("feed forward" in
  "feed forward network") is not counted again. A topic's score is the sum
  over its distinct terms, best first, the k-th weighed topic_term_decay^(k-1):
  one idea named by many synonyms does not outweigh one specific title term.
  The sum is multiplied by the topic's weight from the seed: below 1 for the
  method families that are usually a paper's tool rather than its subject.

  Assignment. Only topics with at least one strong term compete. A domain
  topic (is_domain in the seed: AI for science, medical, code, continual
  learning, learning theory, ...) named by a strong term in the title's
  subject is the primary topic whatever the scores: the labelling convention
  is that the new idea lives where it is specific, and the technique it uses
  ("A Bayesian Flow Network Framework for Chemistry Tasks") is secondary.
  Otherwise the primary topic is the best score; ties go to more strong terms, then to the more
  specific topic (the seed's priority), never to a name. A paper with no
  strong evidence gets the catch-all topic. Secondary topics are kept only
  with a score of at least topic_min_secondary_score and at least
  topic_min_secondary_share of the primary's, at most topic_max_secondary of
  them: weaker matches are noise and never reach paper_topics. A broader topic
  (broader_topic_id in the seed: generative modelling above image, video, 3D
  and language diffusion; reinforcement learning above RL post-training of
  LLMs) is dropped as a secondary when a narrower topic it holds is kept.

  Incremental on content: a paper is matched again when its text, the
  taxonomy, the masks, the scoring variables or the matcher's code (this
  model and its macros) changed (taxonomy_hash).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
) }}

{% set title_weight = var('topic_title_weight') %}
{% set weak_term_weight = var('topic_weak_term_weight') %}
{% set term_decay = var('topic_term_decay') %}
{% set min_secondary_score = var('topic_min_secondary_score') %}
{% set min_secondary_share = var('topic_min_secondary_share') %}
{% set max_secondary = var('topic_max_secondary') %}

with taxonomy as (
    select * from {{ ref('topic_taxonomy') }}
),

taxonomy_version as (
    select md5(concat_ws(';',
        (select string_agg(concat_ws('|', topic_id, strong_terms, weak_terms, priority, weight, broader_topic_id, is_domain, is_catch_all), ';' order by topic_id) from taxonomy),
        (select string_agg(phrase, '|' order by phrase) from {{ ref('topic_term_masks') }}),
        '{{ title_weight }}|{{ weak_term_weight }}|{{ term_decay }}|{{ min_secondary_score }}|{{ min_secondary_share }}|{{ max_secondary }}',
        -- the matcher's own code: a new rule or tokenizer re-matches every paper
        '{{ local_md5(model.raw_code ~ tokenize_for_matching("t") ~ paper_documents("p") ~ phrase_occurrences("d", "t")) }}'
    )) as taxonomy_hash
),

-- inlined, not materialized: DuckDB tokenizes title and abstract about 8x
-- slower when they come out of a materialized CTE
papers as not materialized (
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

-- integer ids travel with the millions of hits, the names are joined back per
-- (paper, term): wide string columns made the hits' scans a third of the model
terms as (
    select
        row_number() over (order by topic_id, term) as term_id,
        dense_rank() over (order by topic_id) as topic_number,
        topic_id,
        term,
        phrase_tokens,
        len(phrase_tokens) as phrase_length,
        is_strong
    from (
        select topic_id, trim(term) as term, {{ tokenize_for_matching('term') }} as phrase_tokens, is_strong
        from (
            select topic_id, unnest(string_split(strong_terms, '|')) as term, true as is_strong from taxonomy where strong_terms is not null
            union all
            select topic_id, unnest(string_split(weak_terms, '|')) as term, false as is_strong from taxonomy where weak_terms is not null
        )
    )
    where len(phrase_tokens) > 0
    -- spellings that tokenize alike ("chain of thought", "chain-of-thought") count once, strong first
    qualify row_number() over (partition by topic_id, phrase_tokens order by is_strong desc, term) = 1
),

masks as (
    select distinct {{ tokenize_for_matching('phrase') }} as phrase_tokens
    from {{ ref('topic_term_masks') }}
),

-- terms and masks are found in one pass over the documents
phrases as (
    select term_id, topic_number, phrase_tokens, is_strong, false as is_mask from terms
    union all
    select null, null, phrase_tokens, null, true from masks
),

-- the hits (millions of rows at three years) carry an integer per paper, not the
-- 32-character paper_id: it made a fifth of the model's cost; paper_id is joined back at the end
paper_numbers as materialized (
    select paper_id, row_number() over (order by paper_id) as paper_number
    from papers
),

numbered_papers as not materialized (
    select paper_numbers.paper_number, papers.title, papers.abstract_cleaned
    from papers
    inner join paper_numbers using (paper_id)
),

-- inlined too: scanning a materialized copy of the token lists cost more than tokenizing
-- the titles again for title_means_clauses
documents as not materialized (
    {{ paper_documents('numbered_papers', key='paper_number') }}
),

phrase_hits as materialized (
    -- the phrase's length, not its token list, travels on: millions of rows at three years
    select * exclude (phrase_tokens), len(phrase_tokens) as phrase_length, token_index + len(phrase_tokens) - 1 as last_token_index
    from ({{ phrase_occurrences('documents', 'phrases', key='paper_number') }})
),

-- "X via Y", "X with Y", "X using Y": the title's subject is X and Y is the
-- means, so a term after the first such connective counts as the abstract does
-- ("with application(s) to" names the subject, not a means)
title_means_clauses as (
    select paper_number, list_filter(generate_series(2, len(tokens)), lambda i: tokens[i] in ('via', 'using', 'with', 'through') and tokens[i + 1] is distinct from 'application')[1] as first_token_index
    from (select paper_number, {{ tokenize_for_matching('title') }} as tokens from numbered_papers)
),

-- an anti join, not a correlated "not exists": DuckDB decorrelates that by grouping
-- every term occurrence first, which costs gigabytes on years of papers
unmasked_term_occurrences as materialized (
    select term_hits.*
    from (
        select * from phrase_hits where is_strong
        union all
        -- a topic needs a strong term: weak hits of the others (two thirds of all hits) go now
        -- (a semi join on the distinct pairs: "exists" became a delim join costing a fifth of the model)
        select weak_hits.* from phrase_hits as weak_hits
        semi join (select distinct paper_number, topic_number from phrase_hits where is_strong) as strong_topics
            on strong_topics.paper_number = weak_hits.paper_number and strong_topics.topic_number = weak_hits.topic_number
        where not weak_hits.is_strong
    ) as term_hits
    anti join (select paper_number, field, token_index, last_token_index from phrase_hits where is_mask) as mask_hits
        on mask_hits.paper_number = term_hits.paper_number
            and mask_hits.field = term_hits.field
            and mask_hits.token_index <= term_hits.last_token_index
            and term_hits.token_index <= mask_hits.last_token_index
),

-- "feed forward" inside "feed forward network" is one piece of evidence, not two
outermost_term_occurrences as (
    select inner_term.*
    from unmasked_term_occurrences as inner_term
    -- only a phrase can hold another term: the one-word occurrences (most) stay out of the hash table
    anti join (select * from unmasked_term_occurrences where phrase_length > 1) as outer_term
        on outer_term.paper_number = inner_term.paper_number
            and outer_term.field = inner_term.field
            and outer_term.topic_number = inner_term.topic_number
            and outer_term.token_index <= inner_term.token_index
            and outer_term.last_token_index >= inner_term.last_token_index
            and outer_term.phrase_length > inner_term.phrase_length
),

-- a title hit after the title's means connective counts as an abstract hit;
-- only title hits (few) meet the join
located_term_occurrences as (
    select *, false as in_means_clause from outermost_term_occurrences where field = 'abstract'
    union all
    select occurrences.*, coalesce(occurrences.token_index > title_means_clauses.first_token_index, false) as in_means_clause
    from outermost_term_occurrences as occurrences
    left join title_means_clauses using (paper_number)
    where occurrences.field = 'title'
),

term_places as (
    select
        paper_number,
        term_id,
        {{ title_weight }} * max(case when field = 'title' and not in_means_clause then 1 else 0 end)
        + least(count(*) filter (where field = 'abstract' or in_means_clause), 1)
        + 0.5 * least(greatest(count(*) filter (where field = 'abstract' or in_means_clause) - 1, 0), 2)
        as place_score,
        bool_or(field = 'title' and not in_means_clause) as in_title_subject
    from located_term_occurrences
    group by paper_number, term_id
),

term_scores as (
    select
        term_places.paper_number,
        terms.topic_id,
        terms.term,
        terms.is_strong,
        (case when terms.is_strong then 1.0 else {{ weak_term_weight }} end)
        * (1 + 0.5 * (terms.phrase_length - 1))
        * term_places.place_score as term_score,
        term_places.in_title_subject
    from term_places
    inner join terms using (term_id)
),

-- diminishing returns: a topic's k-th best term counts topic_term_decay^(k-1),
-- so many synonyms of one idea do not outweigh one specific title term
ranked_term_scores as (
    select *, row_number() over (partition by paper_number, topic_id order by term_score desc, term) as term_rank
    from term_scores
),

topic_scores as (
    select
        paper_number,
        topic_id,
        round(sum(term_score * pow({{ term_decay }}, term_rank - 1)) * any_value(taxonomy.weight), 2) as score,
        count(*) filter (where is_strong) as strong_term_count,
        bool_or(in_title_subject and is_strong) as names_title_subject,
        -- sorting each group's small list: an ordered aggregate ("list(term order by ...)") cost 3 s at three years
        list_transform(list_sort(list({'rank': term_rank, 'term': term})), ranked_term -> ranked_term.term) as matched_terms
    from ranked_term_scores
    inner join taxonomy using (topic_id)
    group by paper_number, topic_id
    having bool_or(is_strong)
),

ranked as (
    select
        topic_scores.*,
        row_number() over (
            partition by topic_scores.paper_number
            order by (taxonomy.is_domain and topic_scores.names_title_subject) desc, topic_scores.score desc, topic_scores.strong_term_count desc, taxonomy.priority, topic_scores.topic_id
        ) as topic_rank
    from topic_scores
    inner join taxonomy using (topic_id)
),

kept_by_score as (
    select ranked.paper_number, ranked.topic_id, ranked.score, ranked.matched_terms, ranked.topic_rank = 1 as is_primary
    from ranked
    inner join (select paper_number, score as primary_score from ranked where topic_rank = 1) as primaries using (paper_number)
    where ranked.topic_rank = 1
        or (
            ranked.topic_rank <= 1 + {{ max_secondary }}
            and ranked.score >= {{ min_secondary_score }}
            and ranked.score >= {{ min_secondary_share }} * primaries.primary_score
        )
),

-- a broader topic is not a secondary beside a narrower one it holds: an image
-- generation paper's diffusion model is its means, not a second subject
kept as (
    select kept_by_score.*
    from kept_by_score
    where kept_by_score.is_primary
        or not exists (
            select 1
            from kept_by_score as narrower
            inner join taxonomy on taxonomy.topic_id = narrower.topic_id
            where narrower.paper_number = kept_by_score.paper_number
                and taxonomy.broader_topic_id = kept_by_score.topic_id
        )
),

catch_all as (
    select paper_numbers.paper_number, taxonomy.topic_id, 0.0 as score, cast([] as varchar[]) as matched_terms, true as is_primary
    from paper_numbers
    cross join (select topic_id from taxonomy where is_catch_all order by topic_id limit 1) as taxonomy
    where not exists (select 1 from topic_scores where topic_scores.paper_number = paper_numbers.paper_number)
),

assignments as (
    select * from kept
    union all
    select * from catch_all
)

select
    {{ surrogate_key(['paper_numbers.paper_id', 'assignments.topic_id']) }} as paper_topic_id,
    paper_numbers.paper_id,
    assignments.topic_id,
    assignments.score,
    assignments.matched_terms,
    assignments.is_primary,
    papers.content_hash,
    papers.taxonomy_hash
from assignments
inner join paper_numbers using (paper_number)
inner join papers using (paper_id)
