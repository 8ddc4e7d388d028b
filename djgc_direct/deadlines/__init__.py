"""Deadlines on China's official working-day calendar (DESIGN §6)."""
