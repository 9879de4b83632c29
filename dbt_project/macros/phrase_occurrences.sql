{#-
  Where each phrase occurs in each document, as whole words: one row per
  (document, phrase occurrence) with its first token_index. Documents are
  (<key>, field, tokens), key paper_id unless named, and phrases (phrase_tokens, <any columns carried
  along>), both tokenized with tokenize_for_matching, so "agents" finds "agent"
  and "chain-of-thought" finds "chain of thought".

  Set-based, no per-row loop or regex: the token lists are unnested side by
  side with themselves shifted by 1..max_words-1 (DuckDB pads the shorter
  lists with NULL), so each row holds a word and the words after it; a hash
  join on the first word finds candidates and the next words are compared as
  columns. Phrases longer than max_words never match (the seeds test that).
-#}
{% macro phrase_occurrences(documents, phrases, max_words=var('max_phrase_words'), key='paper_id') %}
    select positions.{{ key }}, positions.field, positions.token_index, phrases.*
    from (
        select
            {{ key }},
            field,
            generate_subscripts(tokens, 1) as token_index,
            unnest(tokens) as word_1
            {%- for n in range(2, max_words + 1) %},
            unnest(tokens[{{ n }}:]) as word_{{ n }}
            {%- endfor %}
        from {{ documents }}
    ) as positions
    inner join {{ phrases }} as phrases on positions.word_1 = phrases.phrase_tokens[1]
    where len(phrases.phrase_tokens) <= {{ max_words }}
    {%- for n in range(2, max_words + 1) %}
        and (len(phrases.phrase_tokens) < {{ n }} or positions.word_{{ n }} = phrases.phrase_tokens[{{ n }}])
    {%- endfor %}
{% endmacro %}
