"""Responsiveness metrics (DESIGN §7): SQL aggregates over what happened to the cases, the
dashboards built on them, their CSV/XLSX exports and GET /api/v1/metrics. Definitions: docs/metrics.md."""
