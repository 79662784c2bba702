#!/bin/sh
# Install the Debian packages given as arguments when any is missing.
# Uses sudo when not root. Quiet and quick when everything is there.
set -e
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
# Fonts installed just now: make sure fontconfig's cache knows them (apt's
# trigger normally does it; without a cache, every run scans the Noto CJK
# collections again, some 20 ms).
case "$missing" in *fonts-*) $SUDO fc-cache -s >/dev/null 2>&1 || true ;; esac
