{#-
  Whether a lake dataset holds any Parquet file yet. A dataset added to the lake
  later (upvote_observations) is missing from older lakes, and DuckDB's
  read_parquet fails on a glob that matches nothing; a staging model asks this
  first and selects no rows instead. True while dbt parses (no query then).

  dataset_glob: the files' glob under the lake folder, e.g. 'upvote_observations/*/*/*.parquet'.
-#}
{% macro lake_dataset_has_files(dataset_glob) %}
    {% if not execute %}
        {{ return(true) }}
    {% endif %}
    {% set lake_dir = env_var('PAPERTREND_LAKE_DIR', env_var('PAPERTREND_DATA_DIR', 'data') ~ '/lake') %}
    {% set query %}
        select count(*) from glob('{{ (lake_dir ~ '/' ~ dataset_glob) | replace("'", "''") }}')
    {% endset %}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{% endmacro %}
