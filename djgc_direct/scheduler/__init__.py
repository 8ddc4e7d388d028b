"""The scheduler process: periodic jobs under a lock, so that only one scheduler works at a time."""
