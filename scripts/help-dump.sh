#!/usr/bin/env bash
# Every subcommand's help text, for checking that a refactor of src/cli/ changed none of it.
#
# Walks the command tree from `flightdeck --help` (the "Commands:" section of each level) and
# writes `--help` and `-h` of every command path, with their exit codes, plus `--version`.
# Compare two builds: scripts/help-dump.sh OLD_BIN > a.txt; scripts/help-dump.sh NEW_BIN > b.txt;
# diff a.txt b.txt (no output: byte-identical help).
#
# Usage: scripts/help-dump.sh [BIN]   (default target/debug/flightdeck)
set -euo pipefail
BIN=${1:-target/debug/flightdeck}
walk() {
  local flag subs s
  for flag in --help -h; do
    echo "=== $* $flag"
    local rc=0
    "$BIN" "$@" "$flag" 2>&1 || rc=$?
    echo "rc=$rc"
  done
  subs=$("$BIN" "$@" --help 2>/dev/null |
    awk '/^Commands:/{f=1;next} f&&/^$/{f=0} f&&/^  [a-z]/{print $1}' | grep -v '^help$' || true)
  for s in $subs; do walk "$@" "$s"; done
}
walk
"$BIN" --version
