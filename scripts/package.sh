#!/usr/bin/env bash
# Builds chaird's Debian package (build/default/chaird_<version>_<arch>.deb) with CPack.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
command -v dpkg-shlibdeps >/dev/null ||
  { echo "package.sh: dpkg-shlibdeps is missing (apt-get install dpkg-dev)" >&2; exit 1; }
(cd build/default && cpack -G DEB >/dev/null)
ls build/default/chaird_*.deb
