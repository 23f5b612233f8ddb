#!/bin/sh
# Installs the Debian packages Dutybook needs outside PyPI, when they are missing:
# Chromium (browser tests drive /usr/bin/chromium) and Noto CJK fonts (Chinese PDFs).
set -e
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$missing fonts-noto-cjk"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "warning: missing Debian packages:$missing (run as root: apt-get install$missing)" >&2
        exit 0
    fi
fi
echo "==> installing Debian packages:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
