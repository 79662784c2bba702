#!/bin/sh
# Generate the locale the render tests run under (fr_FR.UTF-8: a decimal
# comma, to prove the output does not depend on the locale). Uses sudo
# when not root. Quiet when it is there already.
set -e
LOC=${1:-fr_FR.UTF-8}
locale -a 2>/dev/null | grep -qi "^$(echo "$LOC" | sed 's/UTF-8/utf-\\?8/I')\$" && exit 0
echo "generating locale $LOC"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ -f /etc/locale.gen ] && grep -q "^# *$LOC UTF-8" /etc/locale.gen; then
    $SUDO sed -i "s/^# *\($LOC UTF-8\)/\1/" /etc/locale.gen
elif ! grep -q "^$LOC UTF-8" /etc/locale.gen 2>/dev/null; then
    echo "$LOC UTF-8" | $SUDO tee -a /etc/locale.gen >/dev/null
fi
$SUDO locale-gen >/dev/null
