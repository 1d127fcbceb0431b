#!/usr/bin/env bash
# Installs chaird's Debian package in a brand-new minimal Debian 12 root and starts it there, as
# its own system user with the unit's command line, then drives it with chairctl: the package
# holds what a chair needs, its dependencies resolve from Debian, its user is created.
#   sudo packaging/test-deb.sh [PACKAGE.deb]   (default: scripts/package.sh builds one)
# Needs root (debootstrap, chroot) and Debian's archive; takes a few minutes. Not part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "test-deb: needs root" >&2; exit 2; }
deb=${1:-$(scripts/package.sh | tail -n 1)}
cache=${FRESH_CACHE:-/var/tmp/fresh-debian12-minbase.tar}
if [[ ! -s $cache ]]; then
  command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
  base=$(mktemp -d /var/tmp/deb-base.XXXXXX)
  debootstrap --variant=minbase bookworm "$base" >/dev/null
  tar -C "$base" -cf "$cache" . && rm -rf --one-file-system "$base"
fi
root=$(mktemp -d /var/tmp/deb-root.XXXXXX)
cleanup() {
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$root" ]] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  sleep 0.5
  for m in dev proc; do umount -lR "$root/$m" 2>/dev/null || true; done
  findmnt -rn -o TARGET | grep -q "^$root" || rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$cache"
chmod 0755 "$root"  # the new system's root directory (the tarball's may be 0700): users get past it
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/chaird.deb"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  /bin/bash -euo pipefail -c '
  apt-get update -q >/dev/null 2>&1
  apt-get install -y -q --no-install-recommends /tmp/chaird.deb >/tmp/apt.log 2>&1 ||
    { cat /tmp/apt.log; exit 1; }
  echo "test-deb: installed: $(dpkg-query -W -f="\${Package} \${Version}" chaird)"
  getent passwd chaird >/dev/null || { echo "test-deb: no user chaird"; exit 1; }
  [[ $(stat -c "%U %a" /var/lib/chaird) == "chaird 700" ]] || { echo "test-deb: /var/lib/chaird"; exit 1; }
  for f in /usr/bin/chaird /usr/bin/chairctl /usr/bin/chair-simd /usr/lib/systemd/system/chaird.service \
           /usr/lib/sysusers.d/chaird.conf; do
    [[ -e $f ]] || { echo "test-deb: $f is missing"; exit 1; }
  done
  [[ -n $(find /usr/lib -path "*/chaird/plugins/shiatsu.so") ]] || { echo "test-deb: no plugins"; exit 1; }
  # The unit'"'"'s command line, as the unit'"'"'s user (no systemd in this root).
  install -d -o chaird -g chaird -m 0750 /run/chaird
  cmd=$(sed -n "s/^ExecStart=//p" /usr/lib/systemd/system/chaird.service)
  setpriv --reuid=chaird --regid=chaird --init-groups $cmd --clock scaled --time-scale 50 \
    2>/tmp/chaird.log &
  pid=$!
  chairctl --socket /run/chaird/chaird.sock --wait 30 programs >/tmp/programs ||
    { cat /tmp/chaird.log; exit 1; }
  head -n 3 /tmp/programs
  chairctl --socket /run/chaird/chaird.sock start quick_relief
  chairctl --socket /run/chaird/chaird.sock estop --reason "package test"
  chairctl --socket /run/chaird/chaird.sock reset
  kill -TERM "$pid"
  wait "$pid" || { echo "test-deb: chaird exited $?"; cat /tmp/chaird.log; exit 1; }
  grep -q "stopped" /tmp/chaird.log || { cat /tmp/chaird.log; exit 1; }
  echo "test-deb: chaird ran from the package as user chaird and stopped cleanly"
'
