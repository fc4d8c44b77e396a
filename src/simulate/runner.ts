/**
 * The program every stand-in RUN runs: `/.layerwise-sim/run`, a busybox shell script in the
 * toolbox image, bind-mounted into each RUN (so it works in stages built from scratch, and no
 * stand-in step can overwrite it).
 *
 * Its words (each one argument of the exec-form RUN, so no shell of the image is involved):
 *   K<hash>    the original step's own cache inputs (its text, shell, user, heredocs): not
 *              read by the runner, there so that the stand-in's key changes with the original's
 *   T<secs>    how long to take (the step's measured or estimated time over --time-scale)
 *   V<name>    an ARG/ENV the original reads: its value is part of what the step produces
 *   X<path>    left out of every hash (cache and tmpfs mounts, the project folders of a
 *              system-wide install)
 * then one group per part of the script that writes something (a pipeline, by the effect
 * model), each opened by
 *   G<key>     the part's own inputs: its text, the shell, the user, and the keys of earlier
 *              parts whose writes it reads
 * and followed by
 *   R<path>    a path the part reads: its content is hashed
 *   A          the part reads everything (the effect model does not know the command)
 *   W<path>    a path the part writes: its marker goes to STATE/<path>/.lw<key>
 *   U          the part writes the system or anything: its marker goes to STATE/.lw<key>
 *
 * No word holds the line: moving a step to another line changes no cache key in BuildKit.
 *
 * What a part produces is one hash over its key, the V values and the content of what it
 * reads; its markers carry it. A marker holds nothing but that hash, so a later `COPY --from`
 * (which the stand-in points at the markers under the copied path) sees new content exactly
 * when a part that writes there ran with other inputs: BuildKit's early cut-off stays what it
 * is, also when an unrelated part of the same RUN changed. Markers live under STATE, never at
 * the written path itself, so a stand-in can never break the files of the image (its /bin/sh,
 * its /etc/passwd). The RUN's own words are its cache key: every one of them derives from the
 * original step's text and scope, so the stand-in re-runs exactly when the original would.
 */
import { createHash } from 'node:crypto';

/** Where markers are written in every stage. */
export const STATE_DIR = '/.layerwise-sim-state';
/** Where the toolbox is mounted (and what it holds). */
export const TOOLBOX_DIR = '/.layerwise-sim';

export const RUNNER_SCRIPT = `#!${TOOLBOX_DIR}/bin/busybox sh
# layerwise simulate: the stand-in of one RUN step (src/simulate/runner.ts says what the words mean).
PATH=${TOOLBOX_DIR}/bin
# Any later user (USER is kept, as a number) can add its markers beside these.
umask 000
S=${STATE_DIR}
NL='
'
secs=0 vars='' excl=''
for a in "$@"; do
  case "$a" in
    T*) secs=\${a#T} ;;
    V*) vars="$vars \${a#V}" ;;
    X*) excl="$excl$NL\${a#X}" ;;
  esac
done
sleep "$secs"
values=''
for v in $vars; do
  eval "isset=\\\${$v+1}"
  eval "val=\\\${$v-}"
  values="$values$v=\${isset:+set:}$val$NL"
done
# Files to hash: each read path, the markers under it, and the markers of the folders above it.
files() {
  if [ -n "$all" ]; then reads=/; fi
  printf '%s\\n' "$reads" | while IFS= read -r p; do
    [ -n "$p" ] || continue
    for q in "$p" "$S$p"; do
      # Never the kernel's files (reading some of them blocks), the toolbox or what the engine mounts per run.
      if [ -e "$q" ] || [ -L "$q" ]; then find "$q" \\( -path /proc -o -path /sys -o -path /dev -o -path ${TOOLBOX_DIR} -o -path /etc/hosts -o -path /etc/hostname -o -path /etc/resolv.conf \\) -prune -o \\( -type f -o -type l \\) -print 2>/dev/null; fi
    done
    d=''
    rest=\${p#/}
    while :; do
      for m in "$S$d"/.lw*; do [ -f "$m" ] && printf '%s\\n' "$m"; done
      [ -n "$rest" ] || break
      seg=\${rest%%/*}
      [ "$seg" = "$rest" ] && break
      d="$d/$seg"
      rest=\${rest#*/}
    done
  done
  return 0
}
# Left out of every list: the kernel's files (reading some of them blocks), the toolbox and what
# the engine mounts per run.
keep() {
  awk -v ex="$excl" 'BEGIN { n = split(ex, e, "\\n") } $0 ~ "^/(proc|sys|dev|[.]layerwise-sim)(/|$)" || $0 == "/etc/hosts" || $0 == "/etc/hostname" || $0 == "/etc/resolv.conf" { next } { for (i = 1; i <= n; i++) if (e[i] != "" && (index($0, e[i] "/") == 1 || $0 == e[i])) next; print }'
}
# The digest of a list of files: content, mode, owner and link target, not times (a COPY that
# BuildKit answers from its cache brings the times of whichever build made the entry). A link's
# content is what it points at, hashed once however many links point there (a busybox root has
# hundreds of links to one binary: hashing it through each one was most of a step's time).
digest() {
  keep | sort -u > "$tmp/list"
  kinds() { tr '\\n' '\\0' | xargs -0 -r stat -c '%F/%n' 2>/dev/null; }
  regular() { awk '/^regular (empty )?file\\//' | sed 's,^[^/]*/,,'; }
  kinds < "$tmp/list" > "$tmp/kinds"
  { sed -n 's,^symbolic link/,,p' "$tmp/kinds" | tr '\\n' '\\0' | xargs -0 -r realpath 2>/dev/null | keep | kinds | regular
    regular < "$tmp/kinds"; } | sort -u > "$tmp/content"
  { tr '\\n' '\\0' < "$tmp/content" | xargs -0 -r sha256sum 2>/dev/null
    tr '\\n' '\\0' < "$tmp/list" | xargs -0 -r stat -c '%n %a %u %g %N' 2>/dev/null; } | sha256sum | cut -c1-64
}
# One part: hash what it reads; its markers are written once every part is hashed, so no part
# sees another's (a part that reads an earlier one's output has that part's key in its own).
flush() {
  [ -n "$key" ] || return 0
  if [ -n "$all" ] || printf '%s\\n' "$reads" | grep -qx /; then
    [ -n "$whole" ] || whole=$(all=1 files | digest)
    content=$whole
  else
    content=$(files | digest)
  fi
  mark=$(printf '%s' "$key" | cut -c1-16)
  h=$(printf '%s\\n%s\\n%s' "$key" "$values" "$content" | sha256sum | cut -c1-64)
  if [ -n "$root" ]; then pending="$pending$h $mark /$NL"; fi
  pending="$pending$(printf '%s\\n' "$writes" | while IFS= read -r w; do [ -n "$w" ] && printf '%s %s %s\\n' "$h" "$mark" "$w"; done)$NL"
  return 0
}
tmp=$(mktemp -d 2>/dev/null || echo /tmp/.layerwise-sim-$$)
mkdir -p "$tmp"
excl="$excl$NL$tmp"
key='' reads='' writes='' all='' root='' whole='' pending=''
for a in "$@"; do
  case "$a" in
    G*) flush; key=\${a#G} reads='' writes='' all='' root='' ;;
    R*) reads="$reads$NL\${a#R}" ;;
    W*) writes="$writes$NL\${a#W}" ;;
    A) all=1 ;;
    U) root=1 ;;
  esac
done
flush
rm -rf "$tmp"
printf '%s' "$pending" | while read -r h mark w; do
  [ -n "$w" ] || continue
  d="$S\${w%/}"
  mkdir -p "$d" 2>/dev/null && printf '%s\\n' "$h" >> "$d/.lw$mark"
done
exit 0
`;

/** Changes whenever the runner does: part of the toolbox image's tag. */
export const RUNNER_VERSION = createHash('sha256').update(RUNNER_SCRIPT).digest('hex').slice(0, 12);
