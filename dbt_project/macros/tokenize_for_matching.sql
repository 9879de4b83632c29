{#-
  Text -> list of lower-case ASCII word tokens with a light plural stemmer
  ("agents" -> "agent", "strategies" -> "strategy"). Taxonomy terms go through
  the same function, so a term matches whatever the stemmer does to it.
-#}
{% macro tokenize_for_matching(column) -%}
    list_transform(
        list_filter(string_split(regexp_replace(lower(coalesce({{ column }}, '')), '[^a-z0-9]+', ' ', 'g'), ' '), lambda token: token <> ''),
        lambda token: case
            when length(token) > 4 and token like '%ies' then substr(token, 1, length(token) - 3) || 'y'
            when length(token) > 3 and token like '%s' and not regexp_matches(token, '(ss|us|is)$') then substr(token, 1, length(token) - 1)
            else token
        end
    )
{%- endmacro %}
