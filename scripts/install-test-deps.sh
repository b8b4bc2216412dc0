#!/usr/bin/env bash
# Installs what the test suite uses beyond the Rust toolchain, if missing (Debian packages).
# setpriv (util-linux) for the two-person approval test, tmux for the end-to-end console test,
# git for the release and DORA tests, npm for the package-lock.json release test. Idempotent; installs nothing when all is there.
set -euo pipefail
need=()
command -v setpriv >/dev/null || need+=(util-linux)
command -v git >/dev/null || need+=(git)
command -v tmux >/dev/null || need+=(tmux)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need[*]} (install them with apt-get, as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
echo "test tools present: setpriv, git $(git --version | cut -d' ' -f3), tmux $(tmux -V | cut -d' ' -f2)"
