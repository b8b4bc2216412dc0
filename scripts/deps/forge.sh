# Second-user attack tests (forge): the flooding client runs as a test user with the system's
# python3 (a root-only pyenv shim is not on its path).
[ -x /usr/bin/python3 ] || apt_need python3
echo "forge tools present: $(/usr/bin/python3 --version 2>/dev/null || echo '/usr/bin/python3 MISSING')"
