"""Subcommands of `uploader-gui` (the headless twin of the window)."""
