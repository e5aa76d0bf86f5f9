"""The delivery session's adapters: the real control channel, transfer engine, state store and
receipts wired into the ports of `core.session_engine`, and the thread the engine runs on."""
