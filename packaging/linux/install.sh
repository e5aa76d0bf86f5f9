#!/bin/sh
# Installs FAST Uploader for this user only (no root): the app under ~/.local/opt, a command in
# ~/.local/bin, the menu entry, the icon, and `.fastprofile` files opening in the app.
# Run it again to upgrade. Your deliveries' state, receipts and settings are kept elsewhere
# (~/.local/share/uploader-gui and ~/.config/uploader-gui) and are never touched.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}"
app="$HOME/.local/opt/uploader-gui"
bin="$HOME/.local/bin"
rm -rf "$app"
mkdir -p "$app" "$bin" "$data/applications" "$data/mime/packages"
cp -a "$here/uploader-gui/." "$app/"
ln -sf "$app/uploader-gui" "$bin/uploader-gui"
for png in "$here"/icons/uploader-gui-*.png; do
    size=$(basename "$png" .png | sed 's/uploader-gui-//')
    mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$data/icons/hicolor/${size}x${size}/apps/uploader-gui.png"
done
mkdir -p "$data/icons/hicolor/scalable/apps"
cp "$here/icons/uploader-gui.svg" "$data/icons/hicolor/scalable/apps/uploader-gui.svg"
sed "s|^Exec=.*|Exec=\"$app/uploader-gui\" %f|" "$here/uploader-gui.desktop" \
    > "$data/applications/uploader-gui.desktop"
cp "$here/fastprofile-mime.xml" "$data/mime/packages/uploader-gui-fastprofile.xml"
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database "$data/applications" || true
echo "FAST Uploader is installed: find it in your applications menu, or run $bin/uploader-gui"
