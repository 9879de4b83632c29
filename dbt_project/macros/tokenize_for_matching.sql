{#-
  Text -> list of lower-case ASCII word tokens with a light plural stemmer
  ("agents" -> "agent", "strategies" -> "strategy") and British spellings
  folded ("optimisation" -> "optimization", "modelling" -> "modeling"). A prefix written apart
  or hyphenated is joined to its word ("pre-training", "pre training" and
  "pretraining" are one token), so the taxonomy needs one spelling of each.
  Taxonomy terms go through the same function, so a term matches whatever
  the stemmer does to it.
-#}
{% macro tokenize_for_matching(column) -%}
    list_transform(
        list_filter(string_split(
            regexp_replace(
                regexp_replace(lower(coalesce({{ column }}, '')), '[^a-z0-9]+', ' ', 'g'),
                '\b(pre|post|multi|self|semi|non|co|re|fine) ([a-z])', '\1\2', 'g'
            ),
            ' '
        ), lambda token: token <> ''),
        lambda token: case
            -- British spellings fold to American ones: optimisation, modelling, behaviour
            when suffix(token, 'isation') then substr(token, 1, length(token) - 6) || 'zation'
            when suffix(token, 'isations') then substr(token, 1, length(token) - 7) || 'zation'
            when suffix(token, 'elling') then substr(token, 1, length(token) - 6) || 'eling'
            when suffix(token, 'viour') or suffix(token, 'viours') then replace(token, 'viour', 'vior')
            when length(token) > 4 and suffix(token, 'ies') then substr(token, 1, length(token) - 3) || 'y'
            when length(token) > 3 and suffix(token, 's') and not (suffix(token, 'ss') or suffix(token, 'us') or suffix(token, 'is')) then substr(token, 1, length(token) - 1)
            else token
        end
    )
{%- endmacro %}
