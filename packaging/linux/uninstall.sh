#!/bin/sh
# Removes what install.sh put in place. Your deliveries' state store, receipts, profiles and
# settings (~/.local/share/uploader-gui, ~/.config/uploader-gui) are kept: delete those folders
# yourself if you want them gone.
set -eu
data="${XDG_DATA_HOME:-$HOME/.local/share}"
rm -rf "$HOME/.local/opt/uploader-gui"
rm -f "$HOME/.local/bin/uploader-gui" "$data/applications/uploader-gui.desktop" \
    "$data/mime/packages/uploader-gui-fastprofile.xml"
find "$data/icons/hicolor" -name 'uploader-gui.*' -path '*/apps/*' -delete 2>/dev/null || true
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$data/mime" || true
echo "FAST Uploader was removed; your deliveries' state and receipts were kept."
