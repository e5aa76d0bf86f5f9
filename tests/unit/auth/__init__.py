"""Unit tests of the sign-in code (no network)."""
