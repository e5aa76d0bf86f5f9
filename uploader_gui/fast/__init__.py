"""The FAST control channel: lock, logs, label and index, pipeline start, resume scan."""
