#!/usr/bin/env bash
# loadgen_anchor.sh - reproducible HTTP load-generator anchor, loopback only.
# (Copy of ../shared/bench/loadgen_anchor.sh, changed only so that a missing oha that cannot be
# built is skipped with a note instead of failing the whole run; used by scripts/bench-load.sh.)
#
# Starts a private nginx (1 worker, keep-alive, 13-byte body) on 127.0.0.1 at a
# free port, then runs wrk and oha (and optionally more commands, e.g. our own
# `flightdeck load ...`) against the same URL with the same settings, repeated
# and interleaved, and prints ONE table: median req/s, p50/p99 latency, errors,
# generator CPU, nginx-counted req/s, and the ratio of each extra command to
# wrk and to oha. nginx is stopped on exit (also on Ctrl-C / errors).
#
# Usage:
#   bench/loadgen_anchor.sh [options] ['THIRD COMMAND']
#
# Options:
#   -d SECS        duration of each run in seconds            (default 10)
#   -c LIST        connection counts, comma separated         (default 50,1)
#   -r N           repetitions per tool and setting (median)  (default 3)
#   --pin MODE     auto | off | SRV_CPU:GEN_CPUS  e.g. 1:0    (default auto:
#                  with >=2 CPUs nginx gets the last CPU, generators the rest)
#   --threads N    generator threads (wrk -t, oha --worker-threads)
#                  (default: number of generator CPUs)
#   --name NAME    label for the third command                (default custom)
#   --tty          run the third command inside a pseudo-terminal (160x48),
#                  so a TUI/live view is really drawn (stdout is then discarded:
#                  let the command write its results to {out})
#   --cmd NAME CMD      add another extra command (repeatable)
#   --tty-cmd NAME CMD  same, run inside a pseudo-terminal
#   --no-install   never apt-get/cargo install missing tools; fail instead
#   --https        the target is nginx over TLS 1.2/1.3 (a fresh self-signed certificate for
#                  127.0.0.1, session cache on); oha gets --insecure, {insecure} becomes
#                  --insecure (wrk does not verify certificates)
#   --raw FILE     also write every run's raw figures (TSV) to FILE
#   --keep         keep the scratch directory (its path is printed)
#   -h, --help     this text
#
# Extra commands are run with `bash -c`. Placeholders are substituted:
#   {url} {conns} {secs} {threads} {out} {insecure}
# and the same values are exported as LOADGEN_URL, LOADGEN_CONNS, LOADGEN_SECS,
# LOADGEN_THREADS, LOADGEN_OUT. {out} is a per-run file path for results.
# Results are read from {out} if it was written, else from the command's stdout,
# in the first form that matches:
#   1. oha-style JSON: .summary.requestsPerSec and .latencyPercentiles.p50/.p99
#      (seconds), .errorDistribution, .statusCodeDistribution
#   2. key=value lines: requests_per_sec=N  p50_ms=N  p99_ms=N  [errors=N]
#   3. wrk text output (with --latency)      4. hey text output
# nginx's own request counter (stub_status) is always recorded as well, so an
# unparsable command still gets a tool-independent "srv req/s".
#
# Examples:
#   bench/loadgen_anchor.sh
#   bench/loadgen_anchor.sh -d 5 -c 50 'flightdeck load {url} -c {conns} -z {secs}s --json -o {out}'
#   bench/loadgen_anchor.sh --name hey 'hey -z {secs}s -c {conns} {url}'
#   bench/loadgen_anchor.sh --tty --name oha-tui \
#       'oha -z {secs}s -c {conns} --worker-threads {threads} --output-format json -o {out} {url}'
#
# Exit status: 0 ok; 2 usage error; 3 setup failure (missing tool, nginx would
# not start or answer); 4 some command produced no usable result in any run.
# Traffic goes to 127.0.0.1 only; every run is bounded by `timeout`.
# Missing tools are installed (apt-get: nginx wrk jq curl time; cargo: oha,
# version from env OHA_VERSION, default 1.16.0) unless --no-install. On a host with systemd, Debian's nginx
# package also starts its own service on port 80; this script never uses it.

set -euo pipefail

OHA_VERSION="${OHA_VERSION:-1.16.0}"   # version installed by `cargo install` if oha is missing
SECS=10
CONNS_LIST="50,1"
REPS=3
PIN=auto
THREADS=""
NAME=custom
TTY3=0
INSTALL=1
RAW_OUT=""
KEEP=0
GRACE=30            # seconds allowed beyond SECS before a run is killed
HTTPS=0             # --https: the target is nginx over TLS (self-signed, generators skip verification)
declare -a X_NAME=() X_CMD=() X_TTY=()
THIRD=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }
die() { echo "loadgen_anchor: $1" >&2; exit "${2:-3}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    -d) SECS="${2:?}"; shift 2 ;;
    -c) CONNS_LIST="${2:?}"; shift 2 ;;
    -r) REPS="${2:?}"; shift 2 ;;
    --pin) PIN="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --name) NAME="${2:?}"; shift 2 ;;
    --tty) TTY3=1; shift ;;
    --cmd|--tty-cmd)
      [ $# -ge 3 ] || die "$1 needs NAME and COMMAND" 2
      X_NAME+=("$2"); X_CMD+=("$3"); X_TTY+=("$([ "$1" = --tty-cmd ] && echo 1 || echo 0)"); shift 3 ;;
    --no-install) INSTALL=0; shift ;;
    --https) HTTPS=1; shift ;;
    --raw) RAW_OUT="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; THIRD="${1:-}"; shift || true; break ;;
    -*) die "unknown option $1 (see --help)" 2 ;;
    *) [ -z "$THIRD" ] || die "only one positional command; use --cmd for more" 2; THIRD="$1"; shift ;;
  esac
done
[ -n "$THIRD" ] && { X_NAME+=("$NAME"); X_CMD+=("$THIRD"); X_TTY+=("$TTY3"); }

[[ "$SECS" =~ ^[0-9]+$ ]] && [ "$SECS" -ge 1 ] && [ "$SECS" -le 600 ] || die "-d must be 1..600" 2
[[ "$REPS" =~ ^[0-9]+$ ]] && [ "$REPS" -ge 1 ] && [ "$REPS" -le 20 ] || die "-r must be 1..20" 2
IFS=, read -r -a CONNS <<<"$CONNS_LIST"
for c in "${CONNS[@]}"; do [[ "$c" =~ ^[0-9]+$ ]] && [ "$c" -ge 1 ] && [ "$c" -le 10000 ] || die "bad -c value '$c'" 2; done

# ---------------------------------------------------------------- tools
NGINX=/usr/sbin/nginx
need_apt=()
for t in wrk jq curl timeout taskset script awk; do command -v "$t" >/dev/null 2>&1 || need_apt+=("$t"); done
[ -x "$NGINX" ] || need_apt+=(nginx)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  [ "$INSTALL" = 1 ] || die "missing: ${need_apt[*]} (and --no-install given)"
  pkgs=()
  for t in "${need_apt[@]}"; do
    case "$t" in
      nginx) pkgs+=(nginx) ;; timeout) pkgs+=(coreutils) ;; taskset) pkgs+=(util-linux) ;;
      script) pkgs+=(bsdutils) ;; awk) pkgs+=(mawk) ;; *) pkgs+=("$t") ;;
    esac
  done
  echo "loadgen_anchor: installing ${pkgs[*]} with apt-get" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } >&2 \
    || die "apt-get install ${pkgs[*]} failed"
fi
[ -x "$NGINX" ] || die "nginx not found at $NGINX"
if ! command -v oha >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/oha" ]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
HAVE_OHA=1
if ! command -v oha >/dev/null 2>&1; then
  if [ "$INSTALL" = 1 ] && command -v cargo >/dev/null 2>&1; then
    echo "loadgen_anchor: cargo install oha --locked --version $OHA_VERSION (takes ~5 min on 2 cores)" >&2
    timeout 1800 cargo install oha --locked --version "$OHA_VERSION" >&2 || true
    PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  fi
  if ! command -v oha >/dev/null 2>&1; then
    HAVE_OHA=0
    echo "loadgen_anchor: NOTE: oha is missing and could not be installed; its rows are skipped" >&2
  fi
fi
WRK_VER=$(wrk -v 2>&1 | head -1 | awk '{print $2}') || true
OHA_VER=$(oha --version 2>/dev/null | awk '{print $2}') || true
NGINX_VER=$("$NGINX" -v 2>&1 | sed 's|.*nginx/||') || true

# ---------------------------------------------------------------- CPUs
NCPU=$(nproc)
case "$PIN" in
  auto) if [ "$NCPU" -ge 2 ]; then
          SRV_CPU=$((NCPU - 1)); GEN_N=$((NCPU - 1))
          if [ "$NCPU" -eq 2 ]; then GEN_CPUS=0; else GEN_CPUS="0-$((NCPU - 2))"; fi
        else PIN=off; fi ;;
  off) ;;
  *:*) SRV_CPU="${PIN%%:*}"; GEN_CPUS="${PIN#*:}"
       [[ "$SRV_CPU" =~ ^[0-9]+$ ]] || die "bad --pin" 2
       GEN_N=$(awk -v s="$GEN_CPUS" 'BEGIN{n=split(s,a,",");t=0;for(i=1;i<=n;i++){if(split(a[i],b,"-")==2)t+=b[2]-b[1]+1;else t++}print t}') ;;
  *) die "bad --pin '$PIN'" 2 ;;
esac
if [ "$PIN" = off ]; then SRV_CPU=""; GEN_CPUS=""; GEN_N=$NCPU; fi
[ -n "$THREADS" ] || THREADS=$GEN_N
gen_prefix=()
[ -n "$GEN_CPUS" ] && gen_prefix=(taskset -c "$GEN_CPUS")
OHA_THREADS_ARG=()
OHA_HELP=$(oha --help 2>/dev/null) || true
case "$OHA_HELP" in *--worker-threads*) OHA_THREADS_ARG=(--worker-threads "$THREADS") ;; esac

# ---------------------------------------------------------------- scratch + nginx
WORK=$(mktemp -d -t loadgen-anchor.XXXXXX)
mkdir -p "$WORK/tmp" "$WORK/runs"
chmod 755 "$WORK"
NGINX_PID=""
cleanup() {
  local rc=$?
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  if [ "$KEEP" = 1 ]; then echo "loadgen_anchor: scratch kept in $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$HTTPS" = 1 ]; then
  command -v openssl >/dev/null 2>&1 || die "--https needs openssl"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || die "openssl could not make a certificate"
fi

tls_server() {  # $1 = TLS port; prints nothing unless --https
  [ "$HTTPS" = 1 ] || return 0
  printf '  server {\n    listen 127.0.0.1:%s ssl backlog=4096;\n' "$1"
  printf '    ssl_certificate %s;\n    ssl_certificate_key %s;\n' "$WORK/cert.pem" "$WORK/key.pem"
  printf '    ssl_session_cache shared:SSL:10m;\n'
  printf '    location / { default_type text/plain; return 200 "Hello, World!"; }\n  }\n'
}

write_conf() {  # $1 = port, $2 = TLS port (--https)
  local aff=""
  [ -n "$SRV_CPU" ] && aff="worker_cpu_affinity $(awk -v c="$SRV_CPU" 'BEGIN{s="1";for(i=0;i<c;i++)s=s"0";print s}');"
  cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
$aff
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  server_tokens off;
  keepalive_timeout 75s;
  keepalive_requests 1000000000;
  client_body_temp_path $WORK/tmp/body;
  proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fastcgi;
  uwsgi_temp_path $WORK/tmp/uwsgi;
  scgi_temp_path $WORK/tmp/scgi;
  server {
    listen 127.0.0.1:$1 backlog=4096;
    location = /__nginx_status { stub_status; }
    location / { default_type text/plain; return 200 "Hello, World!"; }
  }
$(tls_server "$2")
}
EOF
}

PORT=""
for _ in $(seq 10); do
  p=$(( (RANDOM % 20000) + 20000 ))
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi   # something answers there
  sp=$((p + 1))
  if [ "$HTTPS" = 1 ] && (exec 3<>"/dev/tcp/127.0.0.1/$sp") 2>/dev/null; then continue; fi
  write_conf "$p" "$sp"
  srv_prefix=()
  [ -n "$SRV_CPU" ] && srv_prefix=(taskset -c "$SRV_CPU")
  "${srv_prefix[@]}" "$NGINX" -p "$WORK" -e "$WORK/error.log" -c "$WORK/nginx.conf" </dev/null >"$WORK/nginx.out" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 50); do
    kill -0 "$NGINX_PID" 2>/dev/null || break
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/__nginx_status"; then PORT=$p; break; fi
    sleep 0.1
  done
  [ -n "$PORT" ] && break
  kill -KILL "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""
done
[ -n "$PORT" ] || { cat "$WORK/error.log" "$WORK/nginx.out" >&2 2>/dev/null || true; die "nginx did not start on a free 127.0.0.1 port"; }
URL="http://127.0.0.1:$PORT/"
INSECURE=""
OHA_TLS_ARG=()
if [ "$HTTPS" = 1 ]; then URL="https://127.0.0.1:$((PORT + 1))/"; INSECURE="--insecure"; OHA_TLS_ARG=(--insecure); fi
STATUS_URL="http://127.0.0.1:$PORT/__nginx_status"
body=$(curl -sk --max-time 2 "$URL") || die "target did not answer"
[ "$body" = "Hello, World!" ] || die "unexpected body from target: '$body'"
WORKER_PID=$(pgrep -P "$NGINX_PID" | head -1) || true
[ -n "$WORKER_PID" ] || die "nginx worker process not found"
CLK_TCK=$(getconf CLK_TCK)

srv_requests() { curl -s --max-time 2 "$STATUS_URL" | awk 'NR==3{print $3}'; }
srv_ticks() { awk '{print $14+$15}' "/proc/$WORKER_PID/stat"; }

# ---------------------------------------------------------------- parsing
to_ms() {  # wrk latency like 245.00us / 1.23ms / 2.00s / 1.00m
  awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us$/,"",v); print v/1000}
    else if (v ~ /ms$/) {sub(/ms$/,"",v); print v+0}
    else if (v ~ /m$/) {sub(/m$/,"",v); print v*60000}
    else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000} else print "NA" }'
}
# prints: rps p50_ms p99_ms errors   (NA where unknown)
parse_result() {
  local f="$1"
  [ -s "$f" ] || { echo "NA NA NA NA"; return; }
  if jq -e '.summary.requestsPerSec' "$f" >/dev/null 2>&1; then
    jq -r '[ .summary.requestsPerSec,
             ((.latencyPercentiles.p50 // null) | if . == null then "NA" else . * 1000 end),
             ((.latencyPercentiles.p99 // null) | if . == null then "NA" else . * 1000 end),
             ( ([(.errorDistribution // {}) | to_entries[] | select(.key != "aborted due to deadline") | .value] | add // 0)
             + ([(.statusCodeDistribution // {}) | to_entries[] | select((.key|tonumber) >= 400) | .value] | add // 0) )
           ] | map(tostring) | join(" ")' "$f"
    return
  fi
  if grep -q '^requests_per_sec=' "$f"; then
    awk -F= '/^requests_per_sec=/{r=$2} /^p50_ms=/{a=$2} /^p99_ms=/{b=$2} /^errors=/{e=$2}
      END{printf "%s %s %s %s\n", (r==""?"NA":r), (a==""?"NA":a), (b==""?"NA":b), (e==""?"NA":e)}' "$f"
    return
  fi
  if grep -q '^Requests/sec:' "$f" && grep -q 'Latency Distribution' "$f"; then   # wrk
    local rps p50 p99 err
    rps=$(awk '/^Requests\/sec:/{print $2}' "$f")
    p50=$(to_ms "$(awk '$1=="50%"{print $2; exit}' "$f")")
    p99=$(to_ms "$(awk '$1=="99%"{print $2; exit}' "$f")")
    err=$(awk '/Socket errors:/{gsub(/,/,""); s+=$4+$6+$8+$10} /Non-2xx or 3xx responses:/{s+=$NF} END{print s+0}' "$f")
    echo "$rps $p50 $p99 $err"; return
  fi
  if grep -q 'Requests/sec:' "$f" && grep -q '% in ' "$f"; then   # hey
    awk '/Requests\/sec:/{r=$2} $1=="50%" && $2=="in"{a=$3*1000} $1=="99%" && $2=="in"{b=$3*1000}
         /^Error distribution:/{ine=1; next} ine && /^ *\[[0-9]+\]/{x=$1; gsub(/[^0-9]/,"",x); e+=x}
         /^Status code distribution:/{ins=1; next} ins && /^ *\[[0-9]+\]/{c=$1; gsub(/[^0-9]/,"",c); if (c+0>=400){n=$2; e+=n}} /^$/{ins=0}
         END{printf "%s %s %s %d\n", (r==""?"NA":r), (a==""?"NA":a), (b==""?"NA":b), e}' "$f"
    return
  fi
  echo "NA NA NA NA"
}

# ---------------------------------------------------------------- one run
RAW="$WORK/raw.tsv"
printf 'tool\tconns\trep\trps\tp50_ms\tp99_ms\terrors\twall_s\tuser_s\tsys_s\tsrv_requests\tsrv_cpu_s\texit\tmaxrss_kb\n' >"$RAW"

# run_one TOOL CONNS REP TTY ARGV...   (ARGV is the generator command)
run_one() {
  local tool=$1 conns=$2 rep=$3 tty=$4; shift 4
  local base="$WORK/runs/$tool-c$conns-r$rep" r0 r1 t0 t1 rc=0
  r0=$(srv_requests); t0=$(srv_ticks)
  if [ "$tty" = 1 ]; then
    local cmdq; cmdq=$(printf '%q ' "$@")
    /usr/bin/time -f '%e %U %S %M' -o "$base.time" \
      timeout -k 5 $((SECS + GRACE)) "${gen_prefix[@]}" script -qefc "stty cols 160 rows 48; exec $cmdq" /dev/null \
      </dev/null >/dev/null 2>"$base.err" || rc=$?
    : >"$base.out"
  else
    /usr/bin/time -f '%e %U %S %M' -o "$base.time" \
      timeout -k 5 $((SECS + GRACE)) "${gen_prefix[@]}" "$@" </dev/null >"$base.out" 2>"$base.err" || rc=$?
  fi
  r1=$(srv_requests); t1=$(srv_ticks)
  local res=""
  [ -s "$base.json" ] && res=$(parse_result "$base.json")
  { [ -z "$res" ] || [ "${res%% *}" = NA ]; } && res=$(parse_result "$base.out")
  local wall user sys rss
  read -r wall user sys rss < <(tail -1 "$base.time" 2>/dev/null || echo "NA NA NA NA")
  local srvreq=$(( r1 - r0 - 1 ))   # minus the status probe itself
  local srvcpu; srvcpu=$(awk -v a="$t0" -v b="$t1" -v h="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/h}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$conns" "$rep" $res "$wall" "$user" "$sys" "$srvreq" "$srvcpu" "$rc" "$rss" >>"$RAW"
  printf '  %-10s c=%-5s rep %s: %s req/s (tool), %s req/s (nginx), p99 %s ms, exit %s\n' "$tool" "$conns" "$rep" \
    "$(echo "$res" | awk '{print $1}')" "$(awk -v n="$srvreq" -v w="$wall" 'BEGIN{if (w+0>0) printf "%.0f", n/w; else print "NA"}')" \
    "$(echo "$res" | awk '{print $3}')" "$rc" >&2
}

subst() {  # $1 = template, $2 conns, $3 out
  local s="$1"
  s=${s//\{url\}/$URL}; s=${s//\{insecure\}/$INSECURE}; s=${s//\{conns\}/$2}; s=${s//\{secs\}/$SECS}; s=${s//\{threads\}/$THREADS}; s=${s//\{out\}/$3}
  printf '%s' "$s"
}

{
  echo "loadgen_anchor: target $URL (nginx $NGINX_VER, 1 worker${SRV_CPU:+ on CPU $SRV_CPU}); generators${GEN_CPUS:+ on CPU $GEN_CPUS}, threads $THREADS"
  echo "loadgen_anchor: wrk $WRK_VER, oha $OHA_VER; ${SECS}s x $REPS reps x conns {$CONNS_LIST}; tools interleaved"
} >&2

# warm-up (not recorded)
timeout -k 5 $((2 + GRACE)) "${gen_prefix[@]}" wrk -t1 -c10 -d2s "$URL" >/dev/null 2>&1 || die "warm-up wrk run failed"

for conns in "${CONNS[@]}"; do
  wt=$THREADS; [ "$wt" -gt "$conns" ] && wt=$conns
  for rep in $(seq "$REPS"); do
    run_one wrk "$conns" "$rep" 0 wrk -t"$wt" -c"$conns" -d"${SECS}s" --latency "$URL"
    sleep 1
    [ "$HAVE_OHA" = 1 ] && run_one oha "$conns" "$rep" 0 oha -z "${SECS}s" -c "$conns" "${OHA_THREADS_ARG[@]}" "${OHA_TLS_ARG[@]}" --no-tui \
      --output-format json -o "$WORK/runs/oha-c$conns-r$rep.json" "$URL"
    [ "$HAVE_OHA" = 1 ] && sleep 1
    for i in "${!X_NAME[@]}"; do
      out="$WORK/runs/${X_NAME[$i]}-c$conns-r$rep.json"
      cmd=$(subst "${X_CMD[$i]}" "$conns" "$out")
      run_one "${X_NAME[$i]}" "$conns" "$rep" "${X_TTY[$i]}" env LOADGEN_URL="$URL" LOADGEN_CONNS="$conns" \
        LOADGEN_SECS="$SECS" LOADGEN_THREADS="$THREADS" LOADGEN_OUT="$out" bash -c "$cmd"
      sleep 1
    done
  done
done

[ -n "$RAW_OUT" ] && cp "$RAW" "$RAW_OUT"

# ---------------------------------------------------------------- table
echo
echo "target: nginx $NGINX_VER, 1 worker${SRV_CPU:+ pinned to CPU $SRV_CPU}, keep-alive, 13-byte body, $URL"
echo "generators${GEN_CPUS:+ pinned to CPU $GEN_CPUS}, $THREADS thread(s); ${SECS}s per run, median of $REPS runs (min-max of req/s in brackets)"
echo
awk -F'\t' -v order="wrk oha ${X_NAME[*]}" '
  function med(list,   n, a, i, j, t) {
    n = split(list, a, " "); if (n == 0) return "NA"
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function mn(list,   n, a, i, m) { n = split(list, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
  function mx(list,   n, a, i, m) { n = split(list, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
  function add(arr, k, v) { if (v != "NA" && v != "") arr[k] = (k in arr) ? arr[k] " " v : v }
  NR == 1 { next }
  {
    k = $1 SUBSEP $2; seen[k] = 1; if (!($2 in cseen)) { cseen[$2] = 1; clist[++nc] = $2 }
    add(rps, k, $4); add(p50, k, $5); add(p99, k, $6); add(err, k, $7)
    if ($8 + 0 > 0) {
      add(srv, k, sprintf("%.0f", $11 / $8)); add(gcpu, k, sprintf("%.0f", 100 * ($9 + $10) / $8))
      add(ncpu, k, sprintf("%.0f", 100 * $12 / $8))
      if ($11 > 0) add(us, k, sprintf("%.2f", 1e6 * ($9 + $10) / $11))
    }
    if ($14 != "" && $14 != "NA") add(rss, k, sprintf("%.0f", $14 / 1024))
    if ($13 != 0) bad[k]++
  }
  END {
    nt = split(order, tools, " ")
    printf "%-12s %6s %25s %10s %8s %8s %7s %7s %10s %7s %7s %7s %7s\n", "tool", "conns", "req/s [min-max]", "srv req/s", "p50 ms", "p99 ms", "errors", "gen%cpu", "gen us/req", "gen MiB", "ngx%cpu", "x wrk", "x oha"
    fail = 0
    for (ci = 1; ci <= nc; ci++) {
      c = clist[ci]
      w = med(rps["wrk" SUBSEP c]); o = med(rps["oha" SUBSEP c])
      for (ti = 1; ti <= nt; ti++) {
        t = tools[ti]; k = t SUBSEP c; if (!(k in seen)) continue
        r = med(rps[k])
        if (r == "NA") { fail = 1; r = "NA"; range = "" } else range = sprintf("[%.0f-%.0f]", mn(rps[k]), mx(rps[k]))
        xw = (t != "wrk" && r != "NA" && w != "NA" && w > 0) ? sprintf("%.2f", r / w) : "-"
        xo = (t != "oha" && t != "wrk" && r != "NA" && o != "NA" && o > 0) ? sprintf("%.2f", r / o) : "-"
        if (r == "NA" && t != "wrk" && t != "oha") {   # unparsable output: fall back to nginx-counted req/s
          s = med(srv[k]); sw = med(srv["wrk" SUBSEP c]); so = med(srv["oha" SUBSEP c])
          if (s != "NA" && sw != "NA" && sw > 0) xw = sprintf("%.2fs", s / sw)
          if (s != "NA" && so != "NA" && so > 0) xo = sprintf("%.2fs", s / so)
        }
        printf "%-12s %6s %8s %16s %10s %8s %8s %7s %7s %10s %7s %7s %7s %7s%s\n", t, c,
          (r == "NA" ? "NA" : sprintf("%.0f", r)), range, med(srv[k]),
          (med(p50[k]) == "NA" ? "NA" : sprintf("%.3f", med(p50[k]))),
          (med(p99[k]) == "NA" ? "NA" : sprintf("%.3f", med(p99[k]))),
          med(err[k]), med(gcpu[k]), med(us[k]), med(rss[k]), med(ncpu[k]), xw, xo, (k in bad) ? "  (" bad[k] " run(s) exited non-zero)" : ""
      }
    }
    print ""
    print "req/s, p50, p99, errors: as reported by each tool (oha: requests cut at the deadline not counted as errors)."
    print "srv req/s: nginx stub_status request delta / generator wall time. gen%cpu and gen us/req: user+sys"
    print "CPU of the generator process tree (/usr/bin/time) per wall second and per served request; gen MiB: its peak RSS."
    print "ngx%cpu: nginx worker CPU. x wrk / x oha: median req/s of that row divided by wrk / oha at the same conns"
    print "(suffix s: the command printed no parsable result, so nginx-counted req/s are compared instead)."
    exit fail ? 4 : 0
  }' "$RAW"
