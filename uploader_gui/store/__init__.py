"""Durable state: the SQLite store that is the source of truth for deliveries (DESIGN.md §3)."""
