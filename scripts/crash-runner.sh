#!/usr/bin/env bash
# Crash test of exactly-once steps: SIGKILL the process that owns a run (the `flightdeck runner`) at
# random moments and resume, N times, then count what went wrong. Usage: scripts/crash-runner.sh N
#
# The workflow has 50 steps sleeping 0-40 ms; odd-numbered steps are `idempotent = false`. Each step
# appends `S <step> <pid>` to a shared file when it starts and `E <step> <pid>` when it ends, so copies
# are countable. Before each resume the script appends `L <life> yes|no` (whether it passed --yes).
# After a kill the next client (`flightdeck runs`, then `flightdeck resume RUN`) starts a new runner,
# which recovers the run itself; `resume` follows it. A resume is first tried without --yes; only
# when flightdeck refuses and asks for --yes is it retried with it (counted as a confirmation), which
# confirms the re-run the recovered run waits for.
#
# A runner's death leaves its steps running (they are adopted or recorded, never asked about), so
# every CRASH_GROUP_EVERY-th kill (default 3) is a "power cut" instead: the runner is stopped
# (SIGSTOP), the process group of every step it runs is SIGKILLed, then the runner. A non-idempotent
# step that had begun is then of unknown fate: the resume must refuse and ask for --yes. Such a kill
# appends `K all` to the trace; the step in flight may then run again (an idempotent one without a
# question, a non-idempotent one only in a life with --yes).
#
# Printed (the last five must be 0):
#   confirmations asked                 resumes refused until --yes (each confirms one re-run)
#   steps lost                          a step of a finished run with no end line
#   finished steps run again            a step started after a copy of it had ended (except the
#                                       step in flight at a power cut, re-run as allowed above)
#   second copies started               a step started while another copy of it was running
#   non-idempotent re-run unconfirmed   a non-idempotent step started again in a life without --yes
#
# With CRASH_WORKFLOW=rollback the workflow is 20 steps, each with a `rollback =` command that appends
# `R <step> <pid>` when it starts and `U <step> <pid>` when it ends; the last step fails
# (`on_fail = "rollback"`), so every run ends rolled back (exit 3) and most kills land in the
# rollback. A rollback is counted like a step (its id is `r<step>`; idempotent like its step), and
#   forward steps run during rollback    a step started after the rollback began
# must be 0 too.
#
# Environment:
#   CRASH_WORKFLOW   `steps` (default: the 50-step workflow above), `rollback`, or `outputs` (each
#                    step sets output `v` and echoes the previous step's `{{ steps.ID.outputs.v }}`
#                    into the trace; a wrong or empty value is counted and printed as "outputs
#                    seen wrong")
#   FLIGHTDECK_BIN   the binary (default: target/release/flightdeck if built, else target/debug)
#   CRASH_KILL       which process to SIGKILL: `runner` (default: the runner, whose pid is read with
#                    CRASH_RUNNER_PID_CMD, and the client with it) or `client` (only the
#                    `flightdeck run`/`resume` client, which must change nothing: the run goes on)
#   CRASH_RUNNER_PID_CMD  shell printing the runner's pid (default: cat "$FLIGHTDECK_HOME/runner.lock")
#   CRASH_GROUP_EVERY     every how many kills of the runner is a power cut (0: never; default 3)
#   CRASH_SAVE            a directory to keep the trace, runner log and journal of each run that
#                         counted a failure
#   CRASH_MAX_DELAY_MS    the longest random wait before a kill (default 1500)
#   CRASH_SECONDS         stop starting new runs after this many seconds (default: no limit); the
#                         summary then says how many kills were done instead of N
set -euo pipefail

N=${1:?usage: scripts/crash-runner.sh N}
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${FLIGHTDECK_BIN:-}" ]]; then
    FLIGHTDECK_BIN=$root/target/debug/flightdeck
    [[ -x $root/target/release/flightdeck ]] && FLIGHTDECK_BIN=$root/target/release/flightdeck
fi
[[ -x $FLIGHTDECK_BIN ]] || { echo "crash-runner: no binary at $FLIGHTDECK_BIN (cargo build first)" >&2; exit 2; }
CRASH_KILL=${CRASH_KILL:-runner}
GROUP_EVERY=${CRASH_GROUP_EVERY:-3}
MAX_DELAY=${CRASH_MAX_DELAY_MS:-1500}

work=$(mktemp -d)
project=$work/project
export FLIGHTDECK_HOME=$work/home
CRASH_RUNNER_PID_CMD=${CRASH_RUNNER_PID_CMD:-cat "$FLIGHTDECK_HOME/runner.lock"}
runner_pid() { eval "$CRASH_RUNNER_PID_CMD" 2>/dev/null || true; }
# The last runner is stopped (SIGTERM) before the work directory goes.
trap 'p=$(runner_pid); [[ -n $p ]] && kill "$p" 2>/dev/null; sleep 0.2; rm -rf "$work"' EXIT
mkdir -p "$project/workflows" "$FLIGHTDECK_HOME"
printf '[environments.local]\nallow_root_approval = true\n' > "$project/flightdeck.toml"
trace=$work/trace

CRASH_WORKFLOW=${CRASH_WORKFLOW:-steps}
nonidem=""
steps=50 expect_rc=0
[[ $CRASH_WORKFLOW == rollback ]] && { steps=20; expect_rc=3; }
{
    echo 'title = "crash"'
    for i in $(seq -w 1 "$steps"); do
        ms=$(( (10#$i * 37) % 41 ))
        idem=true
        if (( 10#$i % 2 == 1 )); then idem=false; nonidem="$nonidem s$i"; fi
        printf '[[steps]]\nid = "s%s"\nidempotent = %s\n' "$i" "$idem"
        fail=""
        if [[ $CRASH_WORKFLOW == rollback ]]; then
            if (( 10#$i == steps )); then
                printf 'on_fail = "rollback"\n'
                fail="; exit 1"
            else
                [[ $idem == false ]] && nonidem="$nonidem rs$i"
                printf "rollback = '''echo \"R s%s \$\$\" >> %s; sleep 0.%03d; echo \"U s%s \$\$\" >> %s'''\n" \
                    "$i" "$trace" "$ms" "$i" "$trace"
            fi
        fi
        if [[ $CRASH_WORKFLOW == outputs ]]; then
            # Each step records the output of the one before it (as its template rendered it) and
            # sets its own; an `O` line whose value is not that step's is a lost or wrong output.
            prev=$(printf '%02d' $((10#$i - 1)))
            use=""
            (( 10#$i > 1 )) && use="echo \"O s$i {{ steps.s$prev.outputs.v }}\" >> $trace; "
            printf "run = '''echo \"S s%s \$\$\" >> %s; %ssleep 0.%03d; echo v=s%s >> \"\$FLIGHTDECK_OUTPUT\"; echo \"E s%s \$\$\" >> %s'''\n" \
                "$i" "$trace" "$use" "$ms" "$i" "$i" "$trace"
        else
            printf "run = '''echo \"S s%s \$\$\" >> %s; sleep 0.%03d; echo \"E s%s \$\$\" >> %s%s'''\n" \
                "$i" "$trace" "$ms" "$i" "$trace" "$fail"
        fi
    done
} > "$project/workflows/crash.toml"

fd() { (cd "$project" && "$FLIGHTDECK_BIN" "$@" </dev/null); }

kills=0 cuts=0 confirms=0 runs=0 lost=0 again=0 second=0 unconfirmed=0 forward=0 failed_runs=0
start_s=$(date +%s)

# True if pid $1 is a live process (a dead runner nobody reaped is a zombie, and still answers kill).
live() {
    local st
    st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z && $st != X ]]
}

# The flightdeck process whose child the wrapper $1 is (the runner watching that step), if any.
watcher() {
    [[ -n $1 ]] || return 0
    local parent
    parent=$(cut -d' ' -f4 "/proc/$1/stat" 2>/dev/null) || return 0
    [[ $(cat "/proc/$parent/comm" 2>/dev/null) == flightdeck ]] && live "$parent" && echo "$parent"
    return 0
}

# The pid of the live runner, waiting (at most 1 s) for one that a client is starting to take the
# lock; empty if there is none.
live_runner() {
    local tries=0 p
    while (( tries < 100 )); do
        p=$(runner_pid)
        if [[ -n $p ]] && live "$p"; then echo "$p"; return 0; fi
        sleep 0.01
        tries=$((tries + 1))
    done
}

# Waits (at most 200 looks, while the client `$1` lives) until the trace's last line is the start of
# a non-idempotent step, so that a power cut lands where a confirmation is needed; sets $hot to the
# pid that step printed (`$$`, its wrapper, which leads its process group) and stops that group
# (SIGSTOP), else empties it.
in_flight_nonidem() {
    local tries=0 last
    hot=""
    while (( tries < 200 )) && kill -0 "$1" 2>/dev/null; do
        last=$(tail -n 1 "$trace" 2>/dev/null || true)
        if [[ $last == "S "* || $last == "R "* ]]; then
            local id=${last#? }
            id=${id%% *}
            [[ $last == "R "* ]] && id=r$id
            if [[ "$nonidem " == *" $id "* ]]; then
                # Frozen at once, so it cannot end before the cut; resumed if the cut is called off.
                hot=${last##* }
                kill -STOP -- "-$hot" 2>/dev/null || true
                return 0
            fi
        fi
        sleep 0.01
        tries=$((tries + 1))
    done
}

# A power cut: freezes the runner, SIGKILLs the process group of each step wrapper, then the
# runner and the client $3.
power_cut() {
    local runner=$1 child groups=()
    kill -STOP "$runner" 2>/dev/null || return 0
    # A stop reaches each thread on its own: until all are stopped, one may still see a step die.
    local tries=0
    while (( tries < 200 )) && awk '{ sub(/.*\) /, ""); if ($1 != "T" && $1 != "t") bad = 1 } END { exit !bad }' \
        "/proc/$runner/task/"*/stat 2>/dev/null; do
        sleep 0.005
        tries=$((tries + 1))
    done
    # A runner that died meanwhile: a plain kill, not a cut.
    if ! live "$runner"; then
        kill -9 "$runner" 2>/dev/null || true
        [[ -n ${2:-} ]] && { kill -CONT -- "-$2" 2>/dev/null || true; }
        return 0
    fi
    # The step just seen starting goes first, before it can end.
    if [[ -n ${2:-} ]]; then
        kill -9 -- "-$2" 2>/dev/null || true
        groups+=("$2")
    fi
    # The wrappers of this script's steps (an adopted one is no longer the runner's child): each
    # names its status file under this script's own data directory; each leads its process group.
    for child in $(pgrep -f -- "$FLIGHTDECK_HOME/logs/" || true); do
        groups+=("$child")
        kill -9 -- "-$child" 2>/dev/null || true
    done
    kill -9 "$runner" 2>/dev/null || true
    kill -CONT "$runner" 2>/dev/null || true
    # The client at once, before it reconnects and starts a runner that carries the run on.
    [[ -n ${3:-} ]] && { kill -9 "$3" 2>/dev/null || true; }
    # SIGKILL of a stopped or running process is final; what the killed steps wrote is written.
    sleep 0.05
    echo "K all" >> "$trace"
    [[ -n ${CRASH_DEBUG:-} ]] && echo "cut: groups ${groups[*]:-none}; trace ends: $(tail -n 2 "$trace" | tr "\n" " ")" >&2
    cuts=$((cuts + 1))
}

# Starts `flightdeck ARGS` in the background, SIGKILLs the target after a random delay unless the
# command ended first. Sets $rc (exit code, or "killed") and $out (its stderr).
attempt() {
    "$FLIGHTDECK_BIN" "$@" </dev/null >/dev/null 2>"$work/err" &
    local pid=$! delay=$(( (RANDOM * 32768 + RANDOM) % (MAX_DELAY + 1) ))
    local until=$(( $(date +%s%N) / 1000000 + delay ))
    while kill -0 "$pid" 2>/dev/null && (( $(date +%s%N) / 1000000 < until )); do sleep 0.01; done
    if kill -0 "$pid" 2>/dev/null; then
        if [[ $CRASH_KILL == runner ]]; then
            local target cut=0
            (( GROUP_EVERY > 0 && (kills + 1) % GROUP_EVERY == 0 )) && cut=1
            (( cut )) && in_flight_nonidem "$pid"
            target=$(watcher "${hot:-}")
            [[ -n $target ]] || target=$(live_runner)
            if [[ -n $target ]] && (( cut )); then
                power_cut "$target" "$hot" "$pid"
            elif [[ -n $target ]]; then
                kill -9 "$target" 2>/dev/null
            fi
            [[ -n ${hot:-} ]] && { kill -CONT -- "-$hot" 2>/dev/null || true; }
            hot=""
        fi
        # The client goes too (else it would reconnect, start a runner and follow the run on).
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        rc=killed
        kills=$((kills + 1))
    else
        rc=0
        wait "$pid" || rc=$?
    fi
    out=$(cat "$work/err")
}

# Counts the four failures in one finished run's trace.
analyse() {
    awk -v nonidem="$nonidem" -v steps="$steps" -v rb="$CRASH_WORKFLOW" '
        BEGIN { n = split(nonidem, a, " "); for (i = 1; i <= n; i++) ni[a[i]] = 1; yes = "no" }
        # A rollback is counted as a step of its own, `r<step>`; a forward step after one began is wrong.
        $1 == "R" { $1 = "S"; $2 = "r" $2; rolling = 1 }
        $1 == "U" { $1 = "E"; $2 = "r" $2 }
        $1 == "S" && substr($2, 1, 1) == "s" && rolling { forward++ }
        # Outputs mode: the value step sNN saw of step sNN-1 (counted with the forward anomalies).
        $1 == "O" { want = sprintf("s%02d", substr($2, 2) - 1); if ($3 != want) forward++; next }
        # A --yes confirms the re-run of what a cut left; a step of that life may start after the
        # script has already appended the next L line, so the confirmation stays with the step.
        $1 == "L" { yes = $3; if (yes == "yes") for (s in cut) if (cut[s]) confirmed[s] = 1 }
        # A power cut: every running copy is dead; what was in flight may run again (see above).
        $1 == "K" { for (s in running) { if (running[s] > 0) cut[s] = 1; running[s] = 0 }
                    if (last != "") cut[last] = 1 }
        $1 == "S" { s = $2
                    if (running[s] > 0) second++
                    if (ended[s] && !(cut[s] && (!ni[s] || yes == "yes"))) again++
                    if (started[s] && ni[s] && yes == "no" && !confirmed[s]) unconf++
                    started[s]++; running[s]++; last = s }
        $1 == "E" { ended[$2] = 1; if (running[$2] > 0) running[$2]--; cut[$2] = 0; confirmed[$2] = 0 }
        END { lost = 0
              for (i = 1; i <= steps; i++) { s = sprintf("s%02d", i); if (!ended[s]) lost++
                                             if (rb == "rollback" && i < steps && !ended["r" s]) lost++ }
              printf "%d %d %d %d %d\n", lost, again + 0, second + 0, unconf + 0, forward + 0 }' "$trace"
}

newest() { fd runs --json | { grep -o '"id": *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/' || true; }; }

cd "$project"
prev_run=""
limit=${CRASH_SECONDS:-0}
while (( kills < N )); do
    if (( limit > 0 && $(date +%s) - start_s >= limit )); then
        echo "crash-runner: time limit of ${limit}s reached after $kills of $N kills" >&2
        break
    fi
    : > "$trace"
    echo "L 1 no" >> "$trace"
    attempt run crash
    run=$(newest)
    if [[ -z $run || $run == "$prev_run" ]]; then
        # Killed before the run was stored: nothing ran (the trace says so), start again.
        [[ $(grep -c '^S' "$trace") == 0 ]] || { echo "crash-runner: steps ran in an unstored run" >&2; lost=$((lost + 1)); }
        continue
    fi
    prev_run=$run
    life=1
    while [[ $rc != "$expect_rc" ]]; do
        if [[ $rc != killed && $rc != 8 ]] || (( life > 10 * N + 100 )); then
            echo "crash-runner: run $run ended with exit $rc: $out" >&2
            failed_runs=$((failed_runs + 1))
            break
        fi
        yes=no
        if [[ $rc == 8 ]]; then
            if [[ $out == *--yes* ]]; then
                yes=yes; confirms=$((confirms + 1))
            elif [[ $out == *"already ended"* ]]; then
                break
            else
                echo "crash-runner: resume of $run refused: $out" >&2
                failed_runs=$((failed_runs + 1))
                break
            fi
        fi
        life=$((life + 1))
        echo "L $life $yes" >> "$trace"
        if [[ $yes == yes ]]; then attempt resume "$run" --yes; else attempt resume "$run"; fi
    done
    # Wait (bounded) for adopted stragglers of a killed life to write their end lines.
    sleep 0.1
    read -r l a s u f < <(analyse)
    if [[ -n ${CRASH_SAVE:-} ]] && (( l + a + s + u + f > 0 )); then
        mkdir -p "$CRASH_SAVE"
        cp "$trace" "$CRASH_SAVE/$run.trace"
        cp "$FLIGHTDECK_HOME/runner.log" "$CRASH_SAVE/$run.runner.log" 2>/dev/null || true
        fd log "$run" > "$CRASH_SAVE/$run.log" 2>&1 || true
        fd log "$run" --events > "$CRASH_SAVE/$run.events" 2>&1 || true
    fi
    lost=$((lost + l)); again=$((again + a)); second=$((second + s)); unconfirmed=$((unconfirmed + u))
    forward=$((forward + f))
    runs=$((runs + 1))
    echo "run $runs: $kills kills ($cuts cuts), $confirms confirmations; lost $lost, again $again, second $second, unconfirmed $unconfirmed, forward $forward ($(( $(date +%s) - start_s ))s)" >&2
done

elapsed=$(( $(date +%s) - start_s ))
echo "crash-runner: $kills SIGKILLs of the $CRASH_KILL ($cuts of them power cuts that also killed the steps) over $runs runs of a $steps-step workflow ($CRASH_WORKFLOW) in ${elapsed}s"
echo "confirmations asked (--yes given): $confirms"
echo "runs that did not finish: $failed_runs"
echo "steps lost: $lost"
echo "finished steps run again: $again"
echo "second copies started: $second"
echo "non-idempotent steps re-run without confirmation: $unconfirmed"
[[ $CRASH_WORKFLOW == rollback ]] && echo "forward steps run during rollback: $forward"
[[ $CRASH_WORKFLOW == outputs ]] && echo "outputs seen wrong: $forward"
(( lost + again + second + unconfirmed + forward + failed_runs == 0 ))
