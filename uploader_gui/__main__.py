"""`python -m uploader_gui` is the same as the `uploader-gui` command."""

from uploader_gui.cli import main

raise SystemExit(main())
