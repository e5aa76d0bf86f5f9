"""The FAST protocol's rules: log rows, lock status, naming, network configuration, resume."""
