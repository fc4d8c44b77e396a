#!/usr/bin/env bash
# Bring up (or report on, or stop) the container engine that layerwise's engine tests build on.
#
#   scripts/engine.sh [--install] up       start Debian's dockerd if no engine answers, make bb:latest
#   scripts/engine.sh [--force] down       stop the dockerd that `up` started for the same caller
#   scripts/engine.sh status               say which engine answers; exit 3 when none does
#
# Ownership: `up` starts dockerd only when no engine answers, and records its own caller (the
# parent process, e.g. the .ci/run shell). `down` stops that dockerd only when called by that same
# caller, so `up; trap down EXIT` in one script never stops an engine that was already running,
# nor one started by somebody else's `up`. `down --force` stops any dockerd that engine.sh started.
#
# Why this shape:
# - No systemd and no image registry here: dockerd runs in the background with its own
#   containerd (dockerd starts one when none listens on /run/containerd), and the base image
#   `bb:latest` is a busybox-static root filesystem made by `docker import`, so no pull is needed.
# - /usr/local/bin/docker may be a newer client that refuses to build without buildx: the Debian
#   client /usr/bin/docker (20.10, BuildKit v0.8 inside dockerd) is used unless LAYERWISE_DOCKER says
#   otherwise.
# - Installing is a side effect nobody asked for on a developer's machine: only as root, and only
#   with --install or in CI (CI=true).
#
# Output: one short line per fact on stdout; every command's own output goes to the log file
# ($LAYERWISE_ENGINE_LOG, default /tmp/layerwise-engine/engine.log).
set -euo pipefail

STATE_DIR="${LAYERWISE_ENGINE_STATE:-/tmp/layerwise-engine}"
LOG="${LAYERWISE_ENGINE_LOG:-$STATE_DIR/engine.log}"
PID_FILE="$STATE_DIR/dockerd.pid"
BASE_IMAGE="${LAYERWISE_BASE_IMAGE:-bb:latest}"
WAIT_SECONDS="${LAYERWISE_ENGINE_WAIT:-60}"

if [ -n "${LAYERWISE_DOCKER:-}" ]; then
  DOCKER="$LAYERWISE_DOCKER"
elif [ -x /usr/bin/docker ]; then
  DOCKER=/usr/bin/docker
else
  DOCKER="$(command -v docker || echo /usr/bin/docker)"
fi

install_allowed=0
force=0
cmd=""
for arg in "$@"; do
  case "$arg" in
    --install) install_allowed=1 ;;
    --force) force=1 ;;
    up|down|status) cmd="$arg" ;;
    -h|--help)
      sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "engine.sh: unknown argument '$arg' (expected up, down, status, --install, --force)" >&2; exit 2 ;;
  esac
done
[ -n "$cmd" ] || { echo "engine.sh: missing command: up, down or status" >&2; exit 2; }
if [ "${CI:-}" = "true" ]; then install_allowed=1; fi

mkdir -p "$STATE_DIR" "$(dirname "$LOG")"
log() { printf '%s %s\n' "$(date -u +%FT%TZ)" "$*" >>"$LOG"; }
say() { echo "engine: $*"; log "$*"; }
die() { echo "engine: error: $* (log: $LOG)" >&2; log "error: $*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

engine_answers() {
  [ -x "$DOCKER" ] || return 1
  timeout 10 "$DOCKER" info >/dev/null 2>>"$LOG"
}

# A process's start time (field 22 of /proc/PID/stat), so a reused pid is not taken for it.
start_time() {
  [ -r "/proc/$1/stat" ] || return 1
  sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f20
}

# The caller of this script: pid and start time of the parent process.
CALLER="$PPID:$(start_time "$PPID" || echo 0)"

# The pid in our pid file (line 1: dockerd pid, line 2: the caller of the `up` that started it),
# if that process is still a dockerd; nothing otherwise.
our_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(sed -n 1p "$PID_FILE")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'dockerd' || return 1
  echo "$pid"
}

started_for() { sed -n 2p "$PID_FILE" 2>/dev/null; }

busybox_static() {
  local bb="${LAYERWISE_BUSYBOX:-/bin/busybox}"
  [ -x "$bb" ] || return 1
  # A dynamically linked busybox (Debian's `busybox` package) would not run in an empty image.
  # (ldd exits 1 on a static binary: read its words, not its status.)
  case "$(LC_ALL=C ldd "$bb" 2>&1 || true)" in
    *'not a dynamic executable'*|*'statically linked'*) ;;
    *) return 1 ;;
  esac
  echo "$bb"
}

install_if_missing() {
  local missing=()
  [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
  [ -x "$DOCKER" ] || missing+=(docker.io)
  busybox_static >/dev/null || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$install_allowed" != 1 ]; then
    die "missing ${missing[*]}; run again with --install (as root) or install docker.io busybox-static"
  fi
  is_root || die "installing ${missing[*]} needs root"
  say "installing docker.io busybox-static with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >>"$LOG" 2>&1 || die "apt-get update failed"
  apt-get install -y docker.io busybox-static >>"$LOG" 2>&1 || die "apt-get install docker.io busybox-static failed"
  [ -x "$DOCKER" ] || DOCKER=/usr/bin/docker
}

start_dockerd() {
  is_root || die "no engine answers and starting dockerd needs root"
  local dockerd
  dockerd="$(command -v dockerd || echo /usr/sbin/dockerd)"
  [ -x "$dockerd" ] || die "dockerd not found"
  # No NAT rules and no bridge: this machine has no network to reach, and builds use --network=host.
  log "starting $dockerd --iptables=false --bridge=none"
  setsid nohup "$dockerd" --iptables=false --bridge=none >>"$LOG" 2>&1 </dev/null &
  printf '%s\n%s\n' "$!" "$CALLER" >"$PID_FILE"
  local waited=0
  until engine_answers; do
    if ! kill -0 "$(our_pid || echo 0)" 2>/dev/null; then
      rm -f "$PID_FILE"
      die "dockerd exited while starting"
    fi
    [ "$waited" -ge "$WAIT_SECONDS" ] && die "dockerd did not answer within ${WAIT_SECONDS}s"
    sleep 1
    waited=$((waited + 1))
  done
  say "started dockerd (pid $(our_pid)) in ${waited}s"
}

make_base_image() {
  if timeout 30 "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>>"$LOG"; then
    return 0
  fi
  local bb root applet
  bb="$(busybox_static)" || die "a statically linked /bin/busybox is needed for $BASE_IMAGE (package busybox-static)"
  root="$(mktemp -d "${TMPDIR:-/tmp}/layerwise-rootfs.XXXXXX")"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
  cp "$bb" "$root/bin/busybox"
  # Relative links so they resolve inside the image whatever the host's busybox path was.
  for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  tar -C "$root" -c . | "$DOCKER" import \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'CMD ["/bin/sh"]' - "$BASE_IMAGE" >>"$LOG" 2>&1 \
    || { rm -rf "$root"; die "docker import of $BASE_IMAGE failed"; }
  rm -rf "$root"
  say "created $BASE_IMAGE from $bb"
}

identity() {
  local server client
  server="$(timeout 10 "$DOCKER" version --format '{{.Server.Version}}' 2>>"$LOG" || echo unknown)"
  client="$(timeout 10 "$DOCKER" version --format '{{.Client.Version}}' 2>>"$LOG" || echo unknown)"
  local owner="not started by engine.sh"
  local pid
  if pid="$(our_pid)"; then
    owner="started by engine.sh, pid $pid"
    [ "$(started_for)" = "$CALLER" ] || owner="$owner, for another caller"
  fi
  local bk=""
  case "$server" in 20.10.*) bk=", BuildKit v0.8 (built into dockerd)" ;; esac
  echo "engine: docker $server$bk; client $DOCKER $client; $owner; base image $BASE_IMAGE"
}

case "$cmd" in
  up)
    log "up (install allowed: $install_allowed)"
    if engine_answers; then
      say "an engine already answers"
    else
      install_if_missing
      if pid="$(our_pid)"; then
        # Ours but not answering: give it the same wait as a fresh start before giving up.
        log "dockerd $pid from an earlier up is alive but not answering; waiting"
        waited=0
        until engine_answers; do
          [ "$waited" -ge "$WAIT_SECONDS" ] && die "dockerd (pid $pid) does not answer"
          sleep 1; waited=$((waited + 1))
        done
      else
        rm -f "$PID_FILE"
        start_dockerd
      fi
    fi
    busybox_static >/dev/null || install_if_missing
    make_base_image
    identity
    ;;
  down)
    if pid="$(our_pid)" && [ "$force" != 1 ] && [ "$(started_for)" != "$CALLER" ]; then
      say "leaving dockerd (pid $pid) running: another caller's up started it (down --force stops it)"
    elif pid="$(our_pid)"; then
      kill -TERM "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      if kill -0 "$pid" 2>/dev/null; then
        log "dockerd $pid ignored TERM for 30s; sending KILL"
        kill -KILL "$pid" || true
      fi
      rm -f "$PID_FILE"
      say "stopped dockerd (pid $pid)"
    else
      rm -f "$PID_FILE"
      say "nothing to stop: engine.sh did not start the engine"
    fi
    ;;
  status)
    if engine_answers; then
      identity
      if timeout 30 "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>>"$LOG"; then
        echo "engine: $BASE_IMAGE present"
      else
        echo "engine: $BASE_IMAGE missing (run: scripts/engine.sh up)"
      fi
    else
      echo "engine: no engine answers at $DOCKER"
      exit 3
    fi
    ;;
esac
