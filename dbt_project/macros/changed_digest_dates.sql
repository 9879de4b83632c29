{#-
  The digest days an incremental model must (re)build: days whose fingerprint
  upstream differs from the fingerprint this model stored when it last loaded
  them. Runs at compile time so the day list lands in the SQL as literals,
  which lets DuckDB prune Hive partitions of the lake instead of scanning all.

  fingerprints_sql: a query returning (digest_date, <fingerprint>) per day.
  fingerprint_column: the column of this model holding that fingerprint.
-#}
{% macro changed_digest_dates(fingerprints_sql, fingerprint_column) %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {% set query %}
        select cast(digest_date as varchar) as digest_date
        from (
            ({{ fingerprints_sql }})
            except
            (select distinct digest_date, {{ fingerprint_column }} from {{ this }})
        )
        order by 1
    {% endset %}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{#-
  Post-hook of the incremental models: drop the keys (digest days, papers) this
  model holds that no longer exist upstream (a partition removed from the lake,
  a paper whose only days were removed). delete+insert only replaces keys
  present in the new batch, so a vanished key needs this.
  Rendered when the hook runs, so it sees the current upstream.
-#}
{% macro delete_vanished(upstream_relation, key_column) %}
    delete from {{ this }}
    where {{ key_column }} not in (select distinct {{ key_column }} from {{ upstream_relation }})
{% endmacro %}

{#- A SQL list of date literals; an empty list matches nothing. -#}
{% macro date_literals(dates) -%}
    {%- if dates | length == 0 -%}(cast(null as date)){%- else -%}({% for d in dates %}date '{{ d }}'{% if not loop.last %}, {% endif %}{% endfor %}){%- endif -%}
{%- endmacro %}
