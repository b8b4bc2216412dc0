# Deploy strategies (issue 19): podman (with runc: crun refuses hybrid cgroups here), buildah for the
# FROM-scratch test images, busybox-static (the images' httpd), haproxy 2.6 and nginx 1.22 as balancers.
apt_need podman runc buildah busybox-static haproxy nginx
echo "rollout tools present: podman $(podman --version | cut -d' ' -f3), haproxy $(haproxy -v | head -1 | cut -d' ' -f3), $(nginx -v 2>&1 | cut -d' ' -f3), runc, buildah, busybox"
