#!/usr/bin/env bash
# System packages Gongzhi needs. As root: installs what is missing. Otherwise: says exactly what to install.
#   run  : CJK fonts for PDFs and WeasyPrint's Pango
#   test : the same, plus Chromium for the browser tests and a PostgreSQL client
#   bench: the same as test, plus wrk (the load generator the page benchmarks drive)
set -euo pipefail
mode="${1:-run}"
need=()
dpkg_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
dpkg_has libpango-1.0-0 || need+=(libpango-1.0-0)
dpkg_has libpangoft2-1.0-0 || need+=(libpangoft2-1.0-0)
dpkg_has fontconfig || need+=(fontconfig)
if [ "$mode" = "test" ] || [ "$mode" = "bench" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if [ "$mode" = "bench" ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Missing system packages: ${need[*]}" >&2
  echo "Install them with:  sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
