# Prometheus (with promtool), the blackbox exporter and Alertmanager (with amtool), for the
# monitoring-setup tests (real-components.md §6). Sourced by scripts/install-test-deps.sh.
apt_need prometheus prometheus-blackbox-exporter prometheus-alertmanager
echo "monitoring: $(command -v promtool) $(command -v amtool) $(command -v prometheus-blackbox-exporter)"
