#!/usr/bin/env bash
# Bring up (or report on, or stop) the two engines layerwise's engine tests build on: Debian's
# dockerd (Docker 20.10, BuildKit v0.8 inside) and a current buildkitd (OCI worker, runc), with a
# local registry on loopback that serves the offline base image to both.
#
#   scripts/engine.sh [--install] up       start what does not answer yet; make bb:latest on both engines
#   scripts/engine.sh [--force] down       stop what `up` started for the same caller
#   scripts/engine.sh status               say what answers; exit 3 when an engine does not
#   scripts/engine.sh [--install] install  only install (apt packages, the buildkit Go build)
#
# Ownership: `up` starts a daemon only when nothing answers at its address, and records its own
# caller (the parent process, e.g. the .ci/run shell). `down` stops a daemon only when called by
# that same caller, so `up; trap down EXIT` in one script never stops a daemon that was already
# running, nor one started by somebody else's `up`. `down --force` stops any that engine.sh started.
#
# Why this shape:
# - No systemd and no image registry here: the daemons run in the background (dockerd with its own
#   containerd), and the base image `bb:latest` is a busybox-static root filesystem: `docker import`
#   makes it for dockerd; buildkitd builds the same files FROM scratch and pushes them to the local
#   registry (docker-registry on 127.0.0.1, plain HTTP), which buildkitd uses as its docker.io
#   mirror, so `FROM bb:latest` resolves to docker.io/library/bb:latest with no network.
# - buildkitd listens on a unix socket (buildctl's default, /run/buildkit/buildkitd.sock) and on a
#   loopback TCP address (127.0.0.1 only, no TLS: nothing off this machine can reach it), which
#   stands in for a remote builder.
# - `# syntax=docker/dockerfile:1` makes buildkitd pull that frontend image; with no network the
#   mirror serves one built from the same release (frontend/dockerfile/cmd/dockerfile-frontend,
#   packaged as upstream's docker/dockerfile image is: the binary alone, FROM scratch).
# - buildkit is not packaged by Debian; it comes from the Go module proxy. `go install
#   github.com/moby/buildkit/cmd/buildkitd@v0.34.2` does not work: go install refuses a module
#   whose go.mod has exclude (or replace) directives, and buildkit's go.mod from v0.31 on has an
#   exclude block. So the module is fetched with `go mod download` (checksum-verified against
#   the Go checksum database like go install would) and built with `go build` inside a copy of it
#   (the module cache is read-only), the version stamped in with -ldflags as buildkit's own
#   Makefile does. The two binaries are kept in $LAYERWISE_CACHE/buildkit-<version>/, outside the
#   clone, so the ~4 minute build happens once per machine and version.
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

# The pinned current BuildKit (one release; bump it here and in README's engine section).
BUILDKIT_VERSION="${LAYERWISE_BUILDKIT_VERSION:-v0.34.2}"
CACHE_DIR="${LAYERWISE_CACHE:-/var/cache/layerwise}"
BK_BIN="$CACHE_DIR/buildkit-$BUILDKIT_VERSION/bin"
BK_SOCKET="${LAYERWISE_BUILDKIT_SOCKET:-/run/buildkit/buildkitd.sock}"
BK_TCP="${LAYERWISE_BUILDKIT_TCP:-127.0.0.1:8372}"
BK_ROOT="${LAYERWISE_BUILDKIT_ROOT:-/var/lib/layerwise-buildkit}"
BK_PID_FILE="$STATE_DIR/buildkitd.pid"
REGISTRY="${LAYERWISE_REGISTRY:-127.0.0.1:5000}"
REGISTRY_ROOT="${LAYERWISE_REGISTRY_ROOT:-/var/lib/layerwise-registry}"
REG_PID_FILE="$STATE_DIR/registry.pid"

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
    up|down|status|install) cmd="$arg" ;;
    -h|--help)
      sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "engine.sh: unknown argument '$arg' (expected up, down, status, install, --install, --force)" >&2; exit 2 ;;
  esac
done
[ -n "$cmd" ] || { echo "engine.sh: missing command: up, down, status or install" >&2; exit 2; }
if [ "${CI:-}" = "true" ]; then install_allowed=1; fi
if [ "$cmd" = install ]; then install_allowed=1; fi

mkdir -p "$STATE_DIR" "$(dirname "$LOG")"
log() { printf '%s %s\n' "$(date -u +%FT%TZ)" "$*" >>"$LOG"; }
say() { echo "engine: $*"; log "$*"; }
die() { echo "engine: error: $* (log: $LOG)" >&2; log "error: $*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

engine_answers() {
  [ -x "$DOCKER" ] || return 1
  timeout 10 "$DOCKER" info >/dev/null 2>>"$LOG"
}

buildctl_bin() {
  if [ -x "$BK_BIN/buildctl" ]; then echo "$BK_BIN/buildctl"; else command -v buildctl; fi
}

# buildctl against ADDR (default: the unix socket).
bctl() {
  local addr="$1"; shift
  timeout "${BCTL_TIMEOUT:-10}" "$(buildctl_bin)" --addr "$addr" "$@"
}

buildkit_answers() {
  buildctl_bin >/dev/null || return 1
  bctl "unix://$BK_SOCKET" debug workers >/dev/null 2>>"$LOG"
}

registry_answers() {
  curl -fsS --max-time 5 "http://$REGISTRY/v2/" >/dev/null 2>>"$LOG"
}

# A process's start time (field 22 of /proc/PID/stat), so a reused pid is not taken for it.
start_time() {
  [ -r "/proc/$1/stat" ] || return 1
  sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f20
}

# The caller of this script: pid and start time of the parent process.
CALLER="$PPID:$(start_time "$PPID" || echo 0)"

# The pid in pid file $1 (line 1: daemon pid, line 2: the caller of the `up` that started it), if
# that process is still a $2 (a word of its command line); nothing otherwise.
pid_in() {
  local file="$1" name="$2" pid
  [ -f "$file" ] || return 1
  pid="$(sed -n 1p "$file")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$name" || return 1
  echo "$pid"
}
our_pid() { pid_in "$PID_FILE" dockerd; }
our_bk_pid() { pid_in "$BK_PID_FILE" buildkitd; }
our_reg_pid() { pid_in "$REG_PID_FILE" registry; }

started_for() { sed -n 2p "${1:-$PID_FILE}" 2>/dev/null; }

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
  command -v runc >/dev/null || missing+=(runc)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v curl >/dev/null || missing+=(curl)
  # ssh-agent, ssh-add, ssh-keygen: the RUN --mount=type=ssh engine test forwards an agent of its own.
  command -v ssh-agent >/dev/null || missing+=(openssh-client)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$install_allowed" != 1 ]; then
      die "missing ${missing[*]}; run again with --install (as root) or apt-get install ${missing[*]}"
    fi
    is_root || die "installing ${missing[*]} needs root"
    say "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >>"$LOG" 2>&1 || die "apt-get update failed"
    apt-get install -y --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 || die "apt-get install ${missing[*]} failed"
    [ -x "$DOCKER" ] || DOCKER=/usr/bin/docker
  fi
  install_buildkit
}

# The buildkit binaries, built once per machine and version into $BK_BIN (see the header for why
# not go install).
install_buildkit() {
  if [ -x "$BK_BIN/buildkitd" ] && [ -x "$BK_BIN/buildctl" ] && [ -x "$BK_BIN/dockerfile-frontend" ]; then
    link_buildkit
    return 0
  fi
  if [ "$install_allowed" != 1 ]; then
    die "buildkit $BUILDKIT_VERSION is not built in $BK_BIN; run again with --install (as root)"
  fi
  is_root || die "building buildkit into $BK_BIN needs root"
  command -v go >/dev/null || die "no go on PATH: buildkit $BUILDKIT_VERSION is built from the Go module proxy (Go >= 1.26)"
  say "building buildkit $BUILDKIT_VERSION (go mod download + go build, a few minutes, once per machine)"
  local dir work started=$SECONDS
  dir="$(cd "$STATE_DIR" && go mod download -json "github.com/moby/buildkit@$BUILDKIT_VERSION" 2>>"$LOG" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" || true
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download github.com/moby/buildkit@$BUILDKIT_VERSION failed"
  work="$(mktemp -d "${TMPDIR:-/tmp}/layerwise-buildkit-src.XXXXXX")"
  cp -r "$dir/." "$work/"
  chmod -R u+w "$work"
  mkdir -p "$BK_BIN.tmp"
  # CGO off: static binaries that do not depend on the build machine's libc.
  if ! (cd "$work" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice -n 10 go build -trimpath \
        -ldflags "-s -w -X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION" \
        -o "$BK_BIN.tmp/" ./cmd/buildkitd ./cmd/buildctl ./frontend/dockerfile/cmd/dockerfile-frontend) >>"$LOG" 2>&1; then
    rm -rf "$work" "$BK_BIN.tmp"
    die "go build of buildkit $BUILDKIT_VERSION failed"
  fi
  rm -rf "$work" "$BK_BIN.old"
  # A running buildkitd keeps its binary open; the folder is swapped, not emptied in place.
  if [ -d "$BK_BIN" ]; then mv "$BK_BIN" "$BK_BIN.old"; fi
  mv "$BK_BIN.tmp" "$BK_BIN"
  rm -rf "$BK_BIN.old"
  say "built buildkit $BUILDKIT_VERSION into $BK_BIN in $((SECONDS - started))s"
  link_buildkit
}

# buildctl on PATH, so the driver and people find it without knowing the cache folder. Only a
# link of ours is replaced; another buildctl there is left alone (and used by nobody from here).
link_buildkit() {
  is_root || return 0
  local b
  for b in buildctl buildkitd; do
    if [ -L "/usr/local/bin/$b" ] || [ ! -e "/usr/local/bin/$b" ]; then
      case "$(readlink "/usr/local/bin/$b" 2>/dev/null || true)" in
        "$BK_BIN/$b") ;;
        *) ln -sfn "$BK_BIN/$b" "/usr/local/bin/$b" ;;
      esac
    fi
  done
}

wait_until() {
  local what="$1" check="$2" pidfn="$3" waited=0
  until "$check"; do
    if ! kill -0 "$("$pidfn" || echo 0)" 2>/dev/null; then
      die "$what exited while starting"
    fi
    [ "$waited" -ge "$WAIT_SECONDS" ] && die "$what did not answer within ${WAIT_SECONDS}s"
    sleep 1
    waited=$((waited + 1))
  done
  echo "$waited"
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
  local waited
  waited="$(wait_until dockerd engine_answers our_pid)" || { rm -f "$PID_FILE"; exit 1; }
  say "started dockerd (pid $(our_pid)) in ${waited}s"
}

start_registry() {
  is_root || die "starting the local registry needs root"
  mkdir -p "$REGISTRY_ROOT"
  # Our own config: Debian's listens on every address and wants htpasswd auth.
  cat >"$STATE_DIR/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_ROOT
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
  log "starting docker-registry on $REGISTRY"
  setsid nohup docker-registry serve "$STATE_DIR/registry.yml" >>"$LOG" 2>&1 </dev/null &
  printf '%s\n%s\n' "$!" "$CALLER" >"$REG_PID_FILE"
  local waited
  waited="$(wait_until docker-registry registry_answers our_reg_pid)" || { rm -f "$REG_PID_FILE"; exit 1; }
  say "started docker-registry on $REGISTRY (pid $(our_reg_pid)) in ${waited}s"
}

start_buildkitd() {
  is_root || die "starting buildkitd needs root"
  mkdir -p "$BK_ROOT" "$(dirname "$BK_SOCKET")"
  # network.host: the driver builds with --network=host like on dockerd (no CNI here);
  # the registry is plain HTTP on loopback and mirrors docker.io.
  cat >"$STATE_DIR/buildkitd.toml" <<EOF
root = "$BK_ROOT"
insecure-entitlements = ["network.host"]

[grpc]
  address = ["unix://$BK_SOCKET", "tcp://$BK_TCP"]

[worker.oci]
  enabled = true
  binary = "$(command -v runc)"
  gc = true
  gckeepstorage = "10GB"

[worker.containerd]
  enabled = false

[registry."docker.io"]
  mirrors = ["$REGISTRY"]

[registry."$REGISTRY"]
  http = true
  insecure = true
EOF
  log "starting $BK_BIN/buildkitd --config $STATE_DIR/buildkitd.toml"
  setsid nohup "$BK_BIN/buildkitd" --config "$STATE_DIR/buildkitd.toml" >>"$LOG" 2>&1 </dev/null &
  printf '%s\n%s\n' "$!" "$CALLER" >"$BK_PID_FILE"
  local waited
  waited="$(wait_until buildkitd buildkit_answers our_bk_pid)" || { rm -f "$BK_PID_FILE"; exit 1; }
  say "started buildkitd $BUILDKIT_VERSION (pid $(our_bk_pid)) on unix://$BK_SOCKET and tcp://$BK_TCP in ${waited}s"
}

make_rootfs() {
  local root="$1" bb applet
  bb="$(busybox_static)" || die "a statically linked /bin/busybox is needed for $BASE_IMAGE (package busybox-static)"
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
}

BASE_ENV='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

make_base_image() {
  if timeout 30 "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>>"$LOG"; then
    return 0
  fi
  local root
  root="$(mktemp -d "${TMPDIR:-/tmp}/layerwise-rootfs.XXXXXX")"
  make_rootfs "$root"
  tar -C "$root" -c . | "$DOCKER" import -c "ENV $BASE_ENV" -c 'CMD ["/bin/sh"]' - "$BASE_IMAGE" >>"$LOG" 2>&1 \
    || { rm -rf "$root"; die "docker import of $BASE_IMAGE failed"; }
  rm -rf "$root"
  say "created $BASE_IMAGE on dockerd"
}

# docker.io/library/bb:latest as the mirror serves it.
mirror_ref() {
  local name="${BASE_IMAGE%%:*}" tag="${BASE_IMAGE##*:}"
  case "$name" in */*) ;; *) name="library/$name" ;; esac
  echo "$name $tag"
}

mirror_has_base() {
  local name tag
  read -r name tag < <(mirror_ref)
  curl -fsS --max-time 5 -o /dev/null \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/$name/manifests/$tag" 2>>"$LOG"
}

# The same files as dockerd's bb:latest, built FROM scratch by buildkitd and pushed to the mirror.
push_base_image() {
  mirror_has_base && return 0
  local root name tag
  read -r name tag < <(mirror_ref)
  root="$(mktemp -d "${TMPDIR:-/tmp}/layerwise-rootfs.XXXXXX")"
  make_rootfs "$root/rootfs"
  printf 'FROM scratch\nCOPY rootfs/ /\nENV %s\nCMD ["/bin/sh"]\n' "$BASE_ENV" >"$root/Dockerfile"
  BCTL_TIMEOUT=300 bctl "unix://$BK_SOCKET" build --frontend dockerfile.v0 \
      --local context="$root" --local dockerfile="$root" \
      --output "type=image,name=$REGISTRY/$name:$tag,push=true,registry.insecure=true" >>"$LOG" 2>&1 \
    || { rm -rf "$root"; die "building $BASE_IMAGE on buildkitd and pushing it to $REGISTRY failed"; }
  rm -rf "$root"
  say "pushed $BASE_IMAGE to $REGISTRY (docker.io mirror for buildkitd)"
}

# docker/dockerfile:1 in the mirror: the Dockerfile frontend of the pinned release as a gateway
# image, labelled as upstream labels it (no network for the frontend; the capabilities it has).
push_frontend_image() {
  local ref="docker/dockerfile:1"
  curl -fsS --max-time 5 -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json' \
    "http://$REGISTRY/v2/docker/dockerfile/manifests/1" 2>>"$LOG" && return 0
  local root
  root="$(mktemp -d "${TMPDIR:-/tmp}/layerwise-frontend.XXXXXX")"
  cp "$BK_BIN/dockerfile-frontend" "$root/dockerfile-frontend"
  printf '%s\n' 'FROM scratch' \
    'LABEL moby.buildkit.frontend.network.none="true"' \
    'LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"' \
    'COPY dockerfile-frontend /bin/dockerfile-frontend' \
    'ENTRYPOINT ["/bin/dockerfile-frontend"]' >"$root/Dockerfile"
  BCTL_TIMEOUT=300 bctl "unix://$BK_SOCKET" build --frontend dockerfile.v0 \
      --local context="$root" --local dockerfile="$root" \
      --output "type=image,name=$REGISTRY/$ref,push=true,registry.insecure=true" >>"$LOG" 2>&1 \
    || { rm -rf "$root"; die "building the $ref frontend image and pushing it to $REGISTRY failed"; }
  rm -rf "$root"
  say "pushed $ref (the Dockerfile frontend of buildkit $BUILDKIT_VERSION) to $REGISTRY"
}

docker_identity() {
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

buildkit_identity() {
  local version owner="not started by engine.sh" pid
  version="$("$(buildctl_bin)" --version 2>>"$LOG" | awk '{print $3}')"
  if pid="$(our_bk_pid)"; then
    owner="started by engine.sh, pid $pid"
    [ "$(started_for "$BK_PID_FILE")" = "$CALLER" ] || owner="$owner, for another caller"
  fi
  local tcp="tcp://$BK_TCP does not answer"
  bctl "tcp://$BK_TCP" debug workers >/dev/null 2>>"$LOG" && tcp="tcp://$BK_TCP"
  echo "engine: buildkit ${version:-unknown} (buildctl $(buildctl_bin)); unix://$BK_SOCKET, $tcp; $owner; base image $BASE_IMAGE via the mirror $REGISTRY"
}

# stop <name> <pid file> <pid function>
stop_daemon() {
  local name="$1" file="$2" pidfn="$3" pid
  if pid="$("$pidfn")" && [ "$force" != 1 ] && [ "$(started_for "$file")" != "$CALLER" ]; then
    say "leaving $name (pid $pid) running: another caller's up started it (down --force stops it)"
  elif pid="$("$pidfn")"; then
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name $pid ignored TERM for 30s; sending KILL"
      kill -KILL "$pid" || true
    fi
    rm -f "$file"
    say "stopped $name (pid $pid)"
  else
    rm -f "$file"
    say "nothing to stop for $name: engine.sh did not start it"
  fi
}

case "$cmd" in
  install)
    install_if_missing
    say "installed: docker.io, runc, docker-registry, busybox-static; buildkit $BUILDKIT_VERSION in $BK_BIN"
    ;;
  up)
    log "up (install allowed: $install_allowed)"
    install_if_missing
    if engine_answers; then
      say "an engine already answers at $DOCKER"
    elif pid="$(our_pid)"; then
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
    make_base_image
    if registry_answers; then say "a registry already answers at $REGISTRY"; else rm -f "$REG_PID_FILE"; start_registry; fi
    if buildkit_answers; then say "a buildkitd already answers at unix://$BK_SOCKET"; else rm -f "$BK_PID_FILE"; start_buildkitd; fi
    push_base_image
    push_frontend_image
    docker_identity
    buildkit_identity
    ;;
  down)
    # The reverse of up: buildkitd first (it may be pushing to the registry).
    stop_daemon buildkitd "$BK_PID_FILE" our_bk_pid
    stop_daemon docker-registry "$REG_PID_FILE" our_reg_pid
    stop_daemon dockerd "$PID_FILE" our_pid
    ;;
  status)
    missing=0
    if engine_answers; then
      docker_identity
      if timeout 30 "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>>"$LOG"; then
        echo "engine: $BASE_IMAGE present on dockerd"
      else
        echo "engine: $BASE_IMAGE missing on dockerd (run: scripts/engine.sh up)"
      fi
    else
      echo "engine: no docker engine answers at $DOCKER"
      missing=1
    fi
    if buildkit_answers; then
      buildkit_identity
    else
      echo "engine: no buildkitd answers at unix://$BK_SOCKET"
      missing=1
    fi
    if registry_answers; then
      if mirror_has_base; then echo "engine: registry $REGISTRY serves $BASE_IMAGE"; else echo "engine: registry $REGISTRY lacks $BASE_IMAGE (run: scripts/engine.sh up)"; fi
    else
      echo "engine: no registry answers at $REGISTRY"
      missing=1
    fi
    [ "$missing" = 0 ] || exit 3
    ;;
esac
