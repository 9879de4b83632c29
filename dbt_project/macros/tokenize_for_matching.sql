{#-
  Text -> list of lower-case ASCII word tokens with a light plural stemmer
  ("agents" -> "agent", "strategies" -> "strategy"). A prefix written apart
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
            when length(token) > 4 and suffix(token, 'ies') then substr(token, 1, length(token) - 3) || 'y'
            when length(token) > 3 and suffix(token, 's') and not (suffix(token, 'ss') or suffix(token, 'us') or suffix(token, 'is')) then substr(token, 1, length(token) - 1)
            else token
        end
    )
{%- endmacro %}
