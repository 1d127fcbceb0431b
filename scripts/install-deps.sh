#!/usr/bin/env bash
# Installs the Debian 12 packages chaird needs to build and test, and nothing else.
# Idempotent: when every package is already present it does not touch apt at all.
set -euo pipefail

packages=(
  # toolchain
  cmake g++ make pkgconf
  # libraries named in docs/ARCHITECTURE (Boost 1.81 replaces Debian's default 1.74)
  libboost1.81-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev libcli11-dev
  # chaird's database (custom programs, session history)
  libsqlite3-dev
  # hashes of bearer tokens (OpenSSL)
  libssl-dev
  # systemd's readiness notification and watchdog
  libsystemd-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # the timing floor next to chaird's dispatch lateness (bench/load.sh)
  rt-tests
  # clang: the fuzz targets (libFuzzer with ASan and UBSan, tests/fuzz) and the thread-safety
  # analysis; libclang-rt-14-dev holds libFuzzer and the sanitizers' runtimes
  clang libclang-rt-14-dev
  # the Debian package (CPack's dpkg-shlibdeps works out its dependencies; CPackDeb needs file)
  dpkg-dev file
  # the Python kiosk example and its test
  python3 python3-grpcio python3-protobuf
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
