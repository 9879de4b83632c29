"""Every bound the quality gate applies to a digest partition, each with its reason.

The expectation suite (``suite.py``) is built from these values and nothing
else, so changing a bound here and regenerating the committed suite
(``python -m papertrend.validation.suite``) is the one way to change the gate.
"""

from __future__ import annotations

# Row count per digest. The largest digest seen is the trending page (290
# papers); the Hugging Face daily API and mirror exports carry a handful to a
# few dozen. An empty digest means the parser found nothing; thousands of rows
# mean it split one paper into many lines or read something that is not a
# digest. 1,000 leaves three times the largest real digest as headroom.
MIN_ROWS_PER_DIGEST = 1
MAX_ROWS_PER_DIGEST = 1_000

# Title length in characters. The shortest real titles are ~20 characters
# ("Best-First Beam Search"), the longest ~180. Under 10 is a short name cut
# off at the colon ("Hydra:"); over 300 is a title glued to its abstract.
MIN_TITLE_CHARS = 10
MAX_TITLE_CHARS = 300

# Abstract length in characters. arXiv caps abstracts at 1,920 characters and
# the longest in the trending sample is ~1,900; API summaries can be a single
# sentence (~80). Under 50 is a fragment (a wrapped line, a stray URL); over
# 5,000 is several abstracts run together because a title line was missed.
MIN_ABSTRACT_CHARS = 50
MAX_ABSTRACT_CHARS = 5_000

# Page furniture that must never survive parsing into a title: the digest's
# header lines ("Get trending papers in your email inbox once a day!") and the
# "Subscribe" button text glued onto the first title ("SubscribeCATSplat: ...").
# The look-ahead keeps real words such as "Subscriber" legal.
HEADER_TITLE_PATTERNS = (
    r"(?i)get trending papers",
    r"(?i)in your email inbox",
    r"^Subscribe(?![a-z])",
)

# arXiv identifiers, with an optional version suffix:
#   new style (2007 on): YYMM.NNNN (to 2014) or YYMM.NNNNN (2015 on): 2412.00001, 2412.00001v2
#   old style (to March 2007): archive[.SUBJECT]/YYMMNNN: cs/0112017, math.AG/0601001, hep-th/9901001v3
ARXIV_ID_PATTERN = r"^(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$"

# github_repo and project_page hold absolute http(s) URLs: a scheme, a host and
# no whitespace. Trailing punctuation and braces are the parser's to strip; a
# value that still has a space or no scheme is a parsing bug.
URL_PATTERN = r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$"
URL_COLUMNS = ("github_repo", "project_page")

# source_sha256 is the hex SHA-256 of the raw dump bytes (lowercase, 64 chars).
SHA256_PATTERN = r"^[0-9a-f]{64}$"

# Upvotes are counts; a negative one is a sign flip or a parsing bug.
MIN_UPVOTES = 0

# Values in partial_unexpected_list per failed expectation: enough to recognise
# a pattern in an Airflow log, few enough to keep the log and the JSON small.
OFFENDING_VALUES_SHOWN = 5
