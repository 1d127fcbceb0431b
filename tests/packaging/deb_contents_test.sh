#!/usr/bin/env bash
# chaird's Debian package (CPack) holds what a chair needs, depends on Debian's libraries by
# name, and creates its user: built from this build tree into a directory of its own.
#   deb_contents_test.sh BUILD_DIR
# packaging/test-deb.sh goes further (installs it in a fresh Debian 12 root and starts it); it
# needs root, a chroot and Debian's archive, so it is not run here.
set -euo pipefail
build=$1
out=$(mktemp -d "${TMPDIR:-/tmp}/chaird-deb.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log"; fail "cpack"; }
deb=$(ls "$out"/chaird_*.deb)
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/chaird ./usr/bin/chairctl ./usr/bin/chair-simd \
         ./usr/lib/systemd/system/chaird.service ./usr/lib/sysusers.d/chaird.conf \
         ./usr/share/chaird/chairs/generic_4d_sl.textproto ./usr/share/chaird/programs/quick_relief.textproto; do
  grep -qxF "$f" <<<"$files" || fail "the package lacks $f"
done
grep -qE '/chaird/plugins/shiatsu\.so$' <<<"$files" || fail "the package lacks the plugins"
[[ $(grep -c '/share/chaird/programs/.*\.textproto$' <<<"$files") -ge 17 ]] || fail "programs missing"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libgrpc++1.51 libprotobuf32 libsqlite3-0 libssl3 libsystemd0 passwd; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
dpkg-deb -I "$deb" postinst | grep -q 'useradd --system' || fail "no postinst creating the user"
echo "ok: $(basename "$deb"): $(wc -l <<<"$files") entries, Depends: $depends"
