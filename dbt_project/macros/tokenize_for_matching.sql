{#-
  Text -> list of lower-case ASCII word tokens with a light plural stemmer
  ("agents" -> "agent", "strategies" -> "strategy") and British spellings
  folded ("optimisation" -> "optimization", "modelling" -> "modeling"). A
  prefix written apart or hyphenated is joined to its word ("pre-training",
  "pre training" and "pretraining" are one token), so the taxonomy needs one
  spelling of each. Taxonomy terms go through the same function, so a term
  matches whatever the stemmer does to it.

  Every rule is a regular expression over the whole text, applied before the
  split: on years of abstracts this is about 8x faster than a lambda per token.
    plural "-ies"  a word of 5+ letters: "strategies" -> "strategy"
    plural "-s"    a word of 4+ letters not ending in "ss", "us" or "is":
                   "agents" -> "agent", "loss", "corpus", "analysis" stay
-#}
{% macro tokenize_for_matching(column) -%}
    coalesce(string_split(nullif(trim(
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            regexp_replace(lower(coalesce({{ column }}, '')), '[^a-z0-9]+', ' ', 'g'),
            '\b(pre|post|multi|self|semi|non|co|re|fine) ([a-z])', '\1\2', 'g'),
            '([a-z])isation', '\1ization', 'g'),
            'elling\b', 'eling', 'g'),
            'viour', 'vior', 'g'),
            '\b([a-z0-9]{2,})ies\b', '\1y', 'g'),
            '\b([a-z0-9]{2,}[a-hj-rtv-z0-9])s\b', '\1', 'g')
    ), ''), ' '), cast([] as varchar[]))
{%- endmacro %}
