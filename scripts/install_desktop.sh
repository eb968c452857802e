#!/usr/bin/env bash
# Install Sequencer's desktop integration for the current user: the launcher (.desktop),
# the icon in every size, the AppStream metadata and the pattern file type, so Sequencer
# is in the application menu and "Open with" offers it for patterns and MP3s.
#
#   scripts/install_desktop.sh                 # launcher runs dist/sequencer/sequencer if
#                                              # built, else .venv/bin/sequencer
#   scripts/install_desktop.sh --exec PATH     # launcher runs PATH
#   scripts/install_desktop.sh --uninstall
#
# Inside an unpacked bundle (dist/sequencer/install-desktop.sh) it installs that bundle.
# Files go under ${XDG_DATA_HOME:-~/.local/share}; nothing needs root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [[ -d "$here/share/linux" ]]; then  # inside a bundle: dist/sequencer/
    linux="$here/share/linux"
    icons="$here/share/icons"
    default_exec="$here/sequencer"
else  # a checkout: scripts/
    root=$(cd "$here/.." && pwd)
    linux="$root/packaging/linux"
    icons="$root/resources/icons"
    if [[ -x "$root/dist/sequencer/sequencer" ]]; then
        default_exec="$root/dist/sequencer/sequencer"
    else
        default_exec="$root/${VENV:-.venv}/bin/sequencer"
    fi
fi

exec_path=$default_exec
uninstall=
while (($#)); do
    case $1 in
        --exec) exec_path=$2; shift 2 ;;
        --uninstall) uninstall=1; shift ;;
        -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install_desktop: unknown argument $1" >&2; exit 2 ;;
    esac
done

data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications"
metainfo="$data/metainfo"
mime="$data/mime"
hicolor="$data/icons/hicolor"
sizes=$(cd "$icons/png" && ls -d ./*x* | sed 's|^\./||')

refresh() {
    # Each cache is optional: desktops rescan on their own, these just make it immediate.
    if command -v update-desktop-database >/dev/null; then
        update-desktop-database -q "$apps" || true
    fi
    if command -v update-mime-database >/dev/null && [[ -d "$mime/packages" ]]; then
        update-mime-database "$mime" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null && [[ -f "$hicolor/index.theme" ]]; then
        gtk-update-icon-cache -q -t -f "$hicolor" || true
    fi
}

if [[ -n $uninstall ]]; then
    rm -f "$apps/sequencer.desktop" "$metainfo/sequencer.metainfo.xml" \
        "$mime/packages/sequencer-pattern.xml" "$hicolor/scalable/apps/sequencer.svg"
    for size in $sizes; do
        rm -f "$hicolor/$size/apps/sequencer.png"
    done
    refresh
    echo "install_desktop: removed Sequencer's launcher, icons and file types from $data"
    exit 0
fi

if [[ ! -x $exec_path ]]; then
    echo "install_desktop: $exec_path is not an executable; run 'make setup' or" \
        "'make package' first, or pass --exec PATH" >&2
    exit 1
fi
exec_path=$(cd "$(dirname "$exec_path")" && pwd)/$(basename "$exec_path")

mkdir -p "$apps" "$metainfo" "$mime/packages" "$hicolor/scalable/apps"
# Exec and TryExec get the absolute path: ~/.local/bin is often not on a launcher's PATH.
# Desktop entry values escape spaces by quoting the whole argument.
quoted=$exec_path
[[ $exec_path == *" "* ]] && quoted="\"$exec_path\""
sed -e "s|^Exec=sequencer |Exec=$quoted |" -e "s|^TryExec=sequencer$|TryExec=$exec_path|" \
    "$linux/sequencer.desktop" >"$apps/sequencer.desktop.part"
mv "$apps/sequencer.desktop.part" "$apps/sequencer.desktop"
install -m 644 "$linux/sequencer.metainfo.xml" "$metainfo/sequencer.metainfo.xml"
install -m 644 "$linux/sequencer-pattern.xml" "$mime/packages/sequencer-pattern.xml"
install -m 644 "$icons/sequencer.svg" "$hicolor/scalable/apps/sequencer.svg"
for size in $sizes; do
    mkdir -p "$hicolor/$size/apps"
    install -m 644 "$icons/png/$size/sequencer.png" "$hicolor/$size/apps/sequencer.png"
done
refresh
echo "install_desktop: installed Sequencer ($exec_path) into $data"
