#!/usr/bin/env bash
# Installs what the test suite uses beyond the Rust toolchain, if missing (Debian packages).
# setpriv (util-linux) for the two-person approval test, tmux for the end-to-end console test,
# git for the release and DORA tests. Idempotent; installs nothing when all is there.
set -euo pipefail
need=()
command -v setpriv >/dev/null || need+=(util-linux)
command -v git >/dev/null || need+=(git)
command -v tmux >/dev/null || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need[*]} (install them with apt-get, as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
echo "test tools present: setpriv, git $(git --version | cut -d' ' -f3), tmux $(tmux -V | cut -d' ' -f2)"

# Notification tests (issue 16): aiosmtpd 1.4.6 as the SMTP sink, in the repo's git-ignored venv
# `.venv-infra` (shared with the other real-component tests).
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$repo/.venv-infra"
if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'aiosmtpd==1.4.6'
fi
echo "notification tools present: $("$venv/bin/python" -c 'import aiosmtpd; print("aiosmtpd", aiosmtpd.__version__)')"
