#!/usr/bin/env bash
# Installs the Debian packages that plugins check against (real tools: redis-server,
# fcrackzip, tftp-hpa…), as listed one per line in plugins/*/system-packages.txt.
# Idempotent: packages already installed are skipped; apt-get runs only when one is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t wanted < <(cat plugins/*/system-packages.txt 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for package in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all ${#wanted[@]} installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
    exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
