"""Pure-Python heart of the uploader: no Qt, no boto3, strictly typed (DESIGN.md §1)."""
