#!/usr/bin/env bash
# Compares `flightdeck release plan` with git-cliff's `--bumped-version` (default configuration,
# `git-cliff --init`) on a real history: for each tag read from stdin, checks out the commit
# before it and prints the tag, our next tag and git-cliff's, then the agreement count.
#
#   scripts/release-vs-git-cliff.sh CLONE [--package NAME --tag-regex RX --include-path GLOB] < tags
#
# CLONE is a clone you do not mind being checked out (detached) tag after tag. git-cliff comes
# from a venv (`pip install git-cliff==2.14.2`; set GIT_CLIFF to its path). Differences to expect
# are listed in README.md, Releases (0.x rules, non-conventional commits, chore(deps)).
set -euo pipefail
repo=$1; shift
pkg=(); cliff_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --package) pkg=(--package "$2"); shift 2 ;;
    --tag-regex) cliff_args+=(--tag-pattern "$2"); shift 2 ;;
    --include-path) cliff_args+=(--include-path "$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
fd=${FLIGHTDECK:-$(cd "$(dirname "$0")/.." && pwd)/target/debug/flightdeck}
cliff=${GIT_CLIFF:-git-cliff}
cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
(cd "$cfg" && "$cliff" --init >/dev/null 2>&1)
cd "$repo"
total=0; same=0
while read -r tag; do
  git checkout -q -f --detach "$tag^" 2>/dev/null || { echo "$tag: no parent"; continue; }
  ours=$(FLIGHTDECK_HOME="$cfg/home" "$fd" release plan --json -C . "${pkg[@]}" 2>/dev/null \
    | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j.get("next_tag") or (j.get("current") or {}).get("tag"))' \
    || echo error)
  theirs=$("$cliff" -c "$cfg/cliff.toml" "${cliff_args[@]}" --bumped-version 2>/dev/null | tail -1 || echo error)
  total=$((total + 1))
  [ "$ours" = "$theirs" ] && same=$((same + 1))
  echo "$tag  ours=$ours  git-cliff=$theirs"
done
echo "agree $same of $total"
