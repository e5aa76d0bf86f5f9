"""dmgbuild settings of the macOS disk image: the app and a link to Applications.

Used by `packaging/build.py` on macOS: `dmgbuild -s dmg_settings.py -D app=PATH -D icon=PATH`.
"""

# ruff: noqa: F821 - `defines` is given by dmgbuild
import os.path

application = defines["app"]
app_name = os.path.basename(application)

format = "UDZO"
filesystem = "HFS+"
files = [application]
symlinks = {"Applications": "/Applications"}
badge_icon = defines.get("icon")
icon_locations = {app_name: (140, 120), "Applications": (500, 120)}
window_rect = ((100, 100), (640, 300))
default_view = "icon-view"
icon_size = 128
