"""s2s-graph: the "Safe to share?" report and its responses as linked open data."""

__version__ = "0.1.0"
