#!/bin/sh
# Installs the Debian packages Dutybook needs outside PyPI, when they are missing:
# Chromium (browser tests drive /usr/bin/chromium), Noto CJK fonts (Chinese PDFs) and nginx
# (tests/deploy puts the reverse proxy of docs/deployment.md in front of two app servers).
set -e
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$missing fonts-noto-cjk"
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "warning: missing Debian packages:$missing (run as root: apt-get install$missing)" >&2
        exit 0
    fi
fi
echo "==> installing Debian packages:$missing"
$SUDO apt-get update -qq
# the small build where Debian still has it (bookworm); later releases have one nginx
case "$missing" in *nginx*)
    if apt-cache show nginx-light >/dev/null 2>&1; then
        missing=$(echo "$missing" | sed 's/nginx/nginx-light/')
    fi
esac
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
