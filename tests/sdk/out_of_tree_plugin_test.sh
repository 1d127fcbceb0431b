#!/usr/bin/env bash
# The plugin SDK as a chair manufacturer uses it, from a chaird build tree:
#   1. install only the "sdk" component to a fresh prefix;
#   2. configure examples/out_of_tree_plugin on its own against that prefix (and nothing else),
#      build it warning-free;
#   3. check its example program with `chairctl lint` and `chairctl plan`;
#   4. run the real chaird with the shipped plugins and the new one, and with chairctl list the
#      technique and the program, play the program to its end on the manual clock, and stop
#      chaird with SIGTERM.
# Registered with ctest by tests/sdk/CMakeLists.txt; every path comes in as an option.
set -euo pipefail

usage() {
  echo "usage: $0 --cmake CMAKE --generator GEN --cxx-compiler CXX --build-type TYPE" \
    "--source-dir DIR --build-dir DIR --plugin-dir DIR --chaird BIN --chairctl BIN" >&2
  exit 2
}

cmake_bin="" generator="" cxx="" build_type="" source_dir="" build_dir="" plugin_dir=""
chaird_bin="" chairctl_bin=""
while (($# > 0)); do
  (($# >= 2)) || usage
  case "$1" in
    --cmake) cmake_bin="$2" ;;
    --generator) generator="$2" ;;
    --cxx-compiler) cxx="$2" ;;
    --build-type) build_type="$2" ;;
    --source-dir) source_dir="$2" ;;
    --build-dir) build_dir="$2" ;;
    --plugin-dir) plugin_dir="$2" ;;
    --chaird) chaird_bin="$2" ;;
    --chairctl) chairctl_bin="$2" ;;
    *) usage ;;
  esac
  shift 2
done
for v in cmake_bin generator cxx source_dir build_dir plugin_dir chaird_bin chairctl_bin; do
  [[ -n "${!v}" ]] || usage
done

example_src="$source_dir/examples/out_of_tree_plugin"
chair="$source_dir/sequences/chairs/generic_4d_sl.textproto"
program_id="palm_walk"
technique="palm_press"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/chaird-oot.XXXXXX")"
chmod 0700 "$tmp"
prefix="$tmp/prefix"
example_build="$tmp/build"
example_plugins="$example_build/plugins"
programs="$tmp/programs"
socket="$tmp/chaird.sock"
chaird_log="$tmp/chaird.log"
out="$tmp/step.out"
chaird_pid=""

stop_chaird() {
  # SIGTERM first (chaird brings the chair to its safe state and exits); SIGKILL if it hangs.
  [[ -n "$chaird_pid" ]] || return 0
  if kill -0 "$chaird_pid" 2>/dev/null; then
    kill -TERM "$chaird_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$chaird_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$chaird_pid" 2>/dev/null || true
  fi
  wait "$chaird_pid" 2>/dev/null || true
  chaird_pid=""
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_chaird
  if ((status != 0)); then
    echo "FAILED (exit status $status); temporary files were in $tmp" >&2
    if [[ -s "$chaird_log" ]]; then
      echo "----- chaird log -----" >&2
      cat "$chaird_log" >&2
      echo "----- end of chaird log -----" >&2
    fi
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "FAIL: $*" >&2
  if [[ -s "$out" ]]; then
    echo "----- output of the last step -----" >&2
    cat "$out" >&2
    echo "----- end of output -----" >&2
  fi
  exit 1
}

# Runs a command with stdout and stderr in $out; fails the test if it does not exit 0.
step() {
  local what="$1"
  shift
  echo "== $what" >&2
  local rc=0
  "$@" >"$out" 2>&1 || rc=$?
  ((rc == 0)) || fail "$what: exit status $rc from: $*"
}

expect_output() {
  grep -q -- "$1" "$out" || fail "expected '$1' in the output"
}

for bin in "$chaird_bin" "$chairctl_bin"; do
  [[ -x "$bin" ]] || fail "$bin is not built (build the chaird and chairctl targets first)"
done
[[ -d "$plugin_dir" ]] || fail "no shipped plugin directory $plugin_dir (build the plugins first)"

# --- 1. the SDK alone, installed to a fresh prefix ---------------------------------------------
before_install="$(mktemp)"
step "install the sdk component" "$cmake_bin" --install "$build_dir" --component sdk --prefix "$prefix"
# Nothing written into the build tree, so that a read-only one works too (CMake's manifest goes
# to /dev/null; plugins/CMakeLists.txt).
manifest="$build_dir/install_manifest_sdk.txt"
[[ ! -f "$manifest" || "$(readlink -f "$manifest")" == /dev/null ]] ||
  fail "installing the sdk component wrote $manifest into the build tree"
written="$(find "$build_dir" -maxdepth 1 -type f -name 'install_manifest*' -newer "$before_install")"
[[ -z "$written" ]] || fail "installing the sdk component wrote into the build tree: $written"
rm -f "$before_install"
[[ -f "$prefix/include/chaird/plugin_sdk.hpp" ]] || fail "the SDK header was not installed"
config="$(find "$prefix" -name chaird_plugin_sdkConfig.cmake -print -quit)"
[[ -n "$config" ]] || fail "no chaird_plugin_sdkConfig.cmake under $prefix"
config_dir="$(dirname "$config")"
for f in chaird_plugin_sdkConfigVersion.cmake chaird_plugin_sdkTargets.cmake ChairdPluginHelpers.cmake; do
  [[ -f "$config_dir/$f" ]] || fail "$f was not installed next to $config"
done
# Only the SDK: no daemon, no tools, no shipped plugins.
[[ ! -e "$prefix/bin" ]] || fail "--component sdk installed $prefix/bin"
[[ -z "$(find "$prefix" -name '*.so' -print -quit)" ]] || fail "--component sdk installed a plugin"
# The walkthrough's links to other pages resolve in the installed tree too.
doc="$(find "$prefix" -path '*/doc/*' -name plugins.md -print -quit)"
[[ -n "$doc" ]] || fail "--component sdk did not install docs/plugins.md"
for page in $(grep -oE '\]\([^):#]+\.md' "$doc" | sed 's/^](//' | sort -u); do
  [[ -f "$(dirname "$doc")/$page" ]] || fail "the installed plugins.md links to $page, which was not installed"
done

# --- 2. the example, configured on its own against the prefix ---------------------------------
# Nothing from the environment or a package registry may point CMake at another SDK (such as
# the chaird source tree); the checks below prove which one it used.
step "configure the example" env -u CMAKE_PREFIX_PATH -u chaird_plugin_sdk_DIR \
  -u chaird_plugin_sdk_ROOT -u CHAIRD_PLUGIN_SDK_ROOT \
  "$cmake_bin" -S "$example_src" -B "$example_build" -G "$generator" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE="$build_type" \
  -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_CXX_FLAGS=-Werror
if grep -q "CMake Warning" "$out"; then fail "configuring the example gave CMake warnings"; fi
abi="$(sed -n 's/^#define CHAIRD_PLUGIN_ABI_VERSION \([0-9]*\)u\{0,1\}$/\1/p' \
  "$source_dir/plugins/sdk/include/chaird/plugin_sdk.hpp")"
[[ -n "$abi" ]] || fail "cannot read CHAIRD_PLUGIN_ABI_VERSION from the SDK header"
expect_output "chaird plugin SDK [0-9.]* (plugin ABI $abi) from "
found_dir="$(sed -n 's/^chaird_plugin_sdk_DIR:PATH=//p' "$example_build/CMakeCache.txt")"
[[ "$(realpath "$found_dir")" == "$(realpath "$config_dir")" ]] ||
  fail "the example found the SDK in '$found_dir', not in the installed $config_dir"
commands="$example_build/compile_commands.json"
[[ -f "$commands" ]] || fail "no $commands"
grep -q -- "$prefix/include" "$commands" || fail "the example is not compiled against $prefix/include"
if grep -q -- "$source_dir/plugins" "$commands"; then
  fail "the example is compiled against the chaird source tree: $(cat "$commands")"
fi

step "build the example" "$cmake_bin" --build "$example_build"
if grep -q "warning:" "$out"; then fail "the example does not compile warning-free"; fi
so="$example_plugins/$technique.so"
[[ -f "$so" ]] || fail "the build made no $so"
# chaird refuses plugin directories and files that group or others can write.
chmod 0755 "$example_plugins" "$so"

mkdir -m 0755 "$programs"
cp "$example_src/programs/$program_id.textproto" "$programs/"

# --- 3. the example program, checked offline ---------------------------------------------------
step "lint the example program" "$chairctl_bin" lint "$programs/$program_id.textproto" \
  --chair "$chair" --plugins "$example_plugins" --library "$programs"
expect_output "0 error(s), 0 warning(s)"
step "plan the example program" "$chairctl_bin" plan "$programs/$program_id.textproto" \
  --chair "$chair" --plugins "$example_plugins" --library "$programs"
expect_output "program $program_id"
# The technique leaves the chair at rest itself: nothing for the governor to put right.
if grep -q "^governor:" "$out"; then fail "the governor had to adapt the example's plan"; fi

# --- 4. the real chaird, with the shipped plugins and the new one -------------------------------
echo "== start chaird" >&2
# timeout bounds chaird's life even if this script is killed outright; it passes SIGTERM on.
# No client lease: this script starts the program and then only moves the manual clock, as a
# chair started from its own buttons would (docs/configuration.md, client_lease_ms).
timeout -k 10 250 "$chaird_bin" --clock manual --client-lease-ms -1 --socket "$socket" --chair "$chair" \
  --plugins "$plugin_dir" --plugins "$example_plugins" --programs "$programs" \
  --state-dir "$tmp/state" >"$chaird_log" 2>&1 &
chaird_pid=$!

ctl() {
  "$chairctl_bin" --socket "$socket" --wait 20 "$@"
}

step "list the techniques" ctl techniques
expect_output "^$technique 1.0.0 "
expect_output "^shiatsu "
grep -q "techniques: .*$technique" "$chaird_log" || fail "chaird did not log $technique as loaded"
if grep -q "plugin refused" "$chaird_log"; then fail "chaird refused a plugin"; fi

step "list the programs" ctl programs
expect_output "^$program_id "
expect_output "04:00"

step "start the example program" ctl start "$program_id"
expect_output "started session-1-1 ($program_id, 04:00)"  # chaird's first start on this state
if grep -q "governor:" "$out"; then fail "the governor adapted the example program"; fi

step "advance past its end" ctl advance 250000
step "watch it to its end" ctl watch --session session-1-1
expect_output "COMPLETED"

echo "== stop chaird with SIGTERM" >&2
kill -TERM "$chaird_pid"
rc=0
wait "$chaird_pid" || rc=$?
chaird_pid=""
((rc == 0)) || fail "chaird exited with status $rc after SIGTERM"
grep -q "stopped" "$chaird_log" || fail "chaird did not log that it stopped"

echo "PASS: $technique built against the installed SDK, loaded by chaird and played to the end" >&2
