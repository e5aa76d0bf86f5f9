"""Benchmarks behind `uploader-gui bench` (figures, not pass/fail tests)."""
