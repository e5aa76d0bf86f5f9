"""A delivery session wired to its real adapters: the control channel, transfer engine, state
store and receipts behind the ports of `core.engine.ports`, and the thread the engine runs on."""
