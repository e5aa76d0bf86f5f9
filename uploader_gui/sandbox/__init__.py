"""The embedded local archive: moto on 127.0.0.1 with the protocol gaps closed."""
