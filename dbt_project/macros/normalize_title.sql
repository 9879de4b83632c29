{#-
  The identity of a paper: its title, Unicode-normalized, case-folded and with
  every run of non-letters/non-digits collapsed to one space.

  DuckDB has no NFKC, only NFC (nfc_normalize). We apply NFC and fold the
  compatibility characters that do occur in paper titles (typographic
  ligatures, full-width colon and hyphens, non-breaking and thin spaces) by
  hand; accents are kept (NFKC keeps them too). lower() is Unicode-aware, so
  "φ-Decoding" and "Φ-DECODING" agree, while "phi-Decoding" stays a different
  string.
-#}
{% macro normalize_title(column) -%}
    trim(regexp_replace(
        lower(nfc_normalize(
            replace(replace(replace(replace(replace({{ column }},
                'ﬁ', 'fi'), 'ﬂ', 'fl'), 'ﬀ', 'ff'), 'ﬃ', 'ffi'), 'ﬄ', 'ffl')
        )),
        '[^\pL\pN]+', ' ', 'g'
    ))
{%- endmacro %}
