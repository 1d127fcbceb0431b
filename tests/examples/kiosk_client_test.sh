#!/usr/bin/env bash
# The Python kiosk example (examples/kiosk_client/kiosk.py) against the real chaird on the
# simulated chair: it lists, asks, runs a program to its end, and shows refusals as chaird words
# them.   kiosk_client_test.sh PYTHON SOURCE_DIR STUBS_DIR CHAIRD CHAIRCTL PLUGIN_DIR
set -euo pipefail
python=$1 source_dir=$2 stubs=$3 chaird=$4 chairctl=$5 plugins=$6
kiosk="$source_dir/examples/kiosk_client/kiosk.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/chaird-kiosk.XXXXXX")
socket="$work/chaird.sock"

# The kiosk signs in with a token of its own, made as a chair maker makes one.
"$chairctl" token front-desk kiosk >"$work/made" 2>/dev/null
head -n 1 "$work/made" >"$work/kiosk.token"
{ echo "# who may call this chair"; sed -n 2p "$work/made"; } >"$work/tokens"
chmod 0600 "$work/tokens"

"$chaird" --socket "$socket" --clock virtual --plugins "$plugins" \
  --chair "$source_dir/sequences/chairs/generic_4d_sl.textproto" \
  --programs "$source_dir/tests/integration/programs" --state-dir "$work/state" \
  --tokens-file "$work/tokens" 2>"$work/chaird.log" &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null && wait "$pid" || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- chaird log ---" >&2
  cat "$work/chaird.log" >&2
  exit 1
}
"$chairctl" --socket "$socket" --token-file "$work/kiosk.token" --wait 30 programs >/dev/null ||
  fail "chaird did not start"

run() {  # run EXPECTED_EXIT PATTERN ARGS...: the kiosk's exit code and a line of its output
  local expected=$1 pattern=$2
  shift 2
  local out code=0
  out=$(CHAIRD_PYTHON_STUBS="$stubs" "$python" "$kiosk" --socket "$socket" \
    --token-file "$work/kiosk.token" "$@" 2>&1) || code=$?
  [[ $code -eq $expected ]] || fail "kiosk.py $* exited $code, not $expected:"$'\n'"$out"
  grep -qF -- "$pattern" <<<"$out" || fail "kiosk.py $* did not say '$pattern':"$'\n'"$out"
  echo "ok: kiosk.py $*"
}

# Without its token, the kiosk is told so, and nothing is served.
out=$(CHAIRD_PYTHON_STUBS="$stubs" "$python" "$kiosk" --socket "$socket" programs 2>&1) && \
  fail "kiosk.py without a token was served: $out"
grep -qF "needs a token chaird knows" <<<"$out" || fail "no token, but not told so: $out"
echo "ok: kiosk.py without a token is refused"

run 0 "e2e_full" programs
run 0 "not for: thrombosis, pregnancy" programs
run 0 "[thrombosis] Do you have, or have you recently had, a blood clot" questions
run 0 "Session completed: the program ran to its end" run e2e_full --answer varicose_veins
run 0 "(1 more are not suitable for you)" programs --answer pregnancy
run 1 "This program is not suitable for you" run e2e_full --answer thrombosis
run 1 "(staff) CONTRAINDICATION thrombosis" run e2e_full --answer thrombosis
run 1 "(staff) intensity_scale: intensity_scale must be between 0.2 and 1.5" run e2e_full --intensity 0
run 1 "(staff) program_id: no program 'massage_of_the_day'" run massage_of_the_day

# A signed-in sitter: her profile's strength and remembered conditions, then her history.
"$chairctl" --socket "$socket" --token-file "$work/kiosk.token" profile-save ann --name Ann --intensity 0.8 \
  --condition varicose_veins >/dev/null || fail "chairctl profile-save"
run 0 "Welcome back, Ann." run e2e_full --user ann
session=$(CHAIRD_PYTHON_STUBS="$stubs" "$python" "$kiosk" --socket "$socket" \
  --token-file "$work/kiosk.token" history ann |
  awk '{print $1; exit}')
[[ $session == session-* ]] || fail "no session in ann's history: '$session'"
run 0 "Thank you for your feedback." feedback "$session" --user ann --before 6 --after 2
run 0 "discomfort 6 -> 2" history ann
run 0 "COMPLETED" history ann
run 1 "(staff) feedback.discomfort_after" feedback "$session" --user ann --after 12

# A session the database refuses to keep (here another program's trigger; a full disk alike)
# runs, and staff are told it is not in the sitter's history.
sql() {  # sql STATEMENT: as another program, on chaird's database
  "$python" -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
c.execute(sys.argv[2])
c.commit()' "$work/state/chaird.db" "$1"
}
sql "CREATE TRIGGER no_room BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'no room left'); END"
run 0 "(staff) history: this session is not in the session history" run e2e_full --user ann
sql "DROP TRIGGER no_room"

# A whole visit in real time, on a chair whose clock is the wall clock (a session lasts minutes):
# sign in, screen, start, softer, "too strong here", pause, resume, stop, history.
kill -TERM "$pid" && wait "$pid" || true
"$chaird" --socket "$socket" --clock steady --plugins "$plugins" \
  --chair "$source_dir/sequences/chairs/generic_4d_sl.textproto" \
  --programs "$source_dir/tests/integration/programs" --state-dir "$work/state" \
  --tokens-file "$work/tokens" 2>>"$work/chaird.log" &
pid=$!
"$chairctl" --socket "$socket" --token-file "$work/kiosk.token" --wait 30 programs >/dev/null ||
  fail "chaird did not start again"
out=$(CHAIRD_PYTHON_STUBS="$stubs" "$python" "$kiosk" --socket "$socket" \
  --token-file "$work/kiosk.token" visit e2e_full --user ann 2>&1) || fail "the visit failed: $out"
for step in "Signed in: Ann." "Screened: e2e_full suits the sitter" "Started session-" \
  "Softer: intensity 0.80" "Too strong here: softened" "Paused (for at most 05:00)." \
  "Resumed: " "Stopped: STOPPED." "History:"; do
  grep -qF -- "$step" <<<"$out" || fail "the visit did not say '$step':"$'\n'"$out"
done
visit_session=$(sed -n 's/^Started \(session-[0-9-]*\)\.$/\1/p' <<<"$out")
grep -qE "^$visit_session +End-to-end fixture .* STOPPED" <<<"$out" ||
  fail "the visit's session is not in ann's history as STOPPED:"$'\n'"$out"
echo "ok: kiosk.py visit"
