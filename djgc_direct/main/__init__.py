"""Home pages, language choice, the audit log and error pages."""
