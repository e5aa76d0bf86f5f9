"""boto3 clients built by the app's rules (TLS, proxy, CA bundle), and AWS errors translated into
the core's error classes: shared by the control channel (`fast/`) and the data plane
(`transfer/`)."""
