"""The audit trail: one record for every change of state, written in the same transaction."""
