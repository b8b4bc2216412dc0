#!/usr/bin/env bash
# Installs what the test suite uses beyond the Rust toolchain, if missing (Debian packages).
# Today: setpriv (util-linux) for the two-person approval test. Idempotent; quiet when all is there.
set -euo pipefail
need=()
command -v setpriv >/dev/null || need+=(util-linux)
command -v git >/dev/null || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need[*]} (install them with apt-get, as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
echo "test tools present: setpriv $(command -v setpriv), git $(git --version | cut -d' ' -f3)"
