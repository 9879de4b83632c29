"""papertrend: land trending-papers digests, validate them, and build the warehouse."""

__version__ = "0.1.0"
