"""Full-text search over cases and similar-letter detection (docs/search.md)."""
