"""How bytes are sent: part sizes, retries, bandwidth limit, progress counting."""
