"""Desktop uploader for FAST dataset deliveries (see README.md)."""

__version__ = "0.1.0"
