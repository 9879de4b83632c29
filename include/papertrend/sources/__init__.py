"""Where digest dumps come from: the inbox folder (default) or an HTTP API."""
