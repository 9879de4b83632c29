"""Superset settings for scripts/superset_check.sh: a throwaway local instance.

The script points SUPERSET_CONFIG_PATH here and SUPERSET_HOME at a temporary
folder; metadata is SQLite in that folder, the secret key comes from the
environment.
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(os.environ["SUPERSET_HOME"], "superset.db")

# Rate limits need a shared storage backend (Redis in production); a one-user
# check against 127.0.0.1 has nothing to limit.
RATELIMIT_ENABLED = False
