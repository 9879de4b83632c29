{#-
  An aggregate fingerprint of a set of rows that needs no sort: the bitwise xor
  of each row's md5, as 32 hex digits. Rows must be distinct within a group (a
  duplicated row would cancel out); callers pass a row's key.
-#}
{% macro order_free_fingerprint(expression) -%}
    lpad(lower(to_hex(bit_xor(md5_number({{ expression }})))), 32, '0')
{%- endmacro %}
