"""Configuration screens for administrators: pipelines, attributes and lookup tables."""
