# Profiling tests (issue 21): perf from Debian's linux-perf (`perf record -e cpu-clock` works as root
# on these VMs, which expose no hardware counters).
command -v perf >/dev/null || apt_need linux-perf
echo "profiling tools present: $(perf --version 2>/dev/null || echo 'perf MISSING')"
