# shellcheck shell=bash
# Helpers for the bench scripts; source it after setting SCRIPT (the name used in messages).
# Used by proof.sh, run.sh and mail.sh; export.sh and reminders.sh still carry their own copies.
#
#   die MESSAGE / log MESSAGE
#   free_port                      a free TCP port on 127.0.0.1 below the ephemeral range
#   pg_tools                       sets PGBIN and AS (run as the postgres user when root)
#   start_pg DIR PORT [SETTINGS…]  a throwaway cluster in DIR (initdb, pg_ctl), sets PG_DATA;
#                                  default durability (fsync, synchronous_commit on), like production
#   stop_pg                        stops the cluster start_pg started, if any
#   install_missing PKG…           apt-get installs what is missing (unless NO_INSTALL=1)
#   git_commit ROOT                the checked-out commit, read from .git without running git
#   machine_line                   "2 CPUs (model), 23.5 GiB RAM, Linux …, Debian …"

readonly HOST=127.0.0.1   # the only address a bench script ever sends traffic to

die() { echo "${SCRIPT:-bench}: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

port_in_use() {
  if command -v ss >/dev/null; then
    ss -Htln "sport = :$1" 2>/dev/null | grep -q .
  else
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
  fi
}

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free port found"
}

install_missing() {  # package...
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [[ ${NO_INSTALL:-0} == 1 ]] && die "missing: ${missing[*]} (run without --no-install, or apt-get install them)"
  local sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  log "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

PGBIN=""
AS=()
PG_DATA=""

pg_tools() {
  PGBIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -1)
  [[ -x $PGBIN/initdb ]] || die "PostgreSQL's initdb not found under /usr/lib/postgresql"
  AS=()
  [[ $(id -u) == 0 ]] && AS=(runuser -u postgres --)
  return 0
}

start_pg() {  # dir port [extra -c settings...]
  local dir=$1 port=$2
  shift 2
  local extra=""
  local s
  for s in "$@"; do extra+=" -c $s"; done
  mkdir -p "$dir"
  ((${#AS[@]})) && chown postgres:postgres "$dir"
  "${AS[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  PG_DATA="$dir/data"
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
    -o "-p $port -k $dir -c listen_addresses=$HOST -c max_connections=300$extra" >/dev/null \
    || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
}

stop_pg() {
  [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]] || { PG_DATA=""; return 0; }
  if ! "${AS[@]}" "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1; then
    local pid
    pid=$(head -1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null
  fi
  PG_DATA=""
}

git_commit() {  # root
  local gitdir="$1/.git" head ref sha=""
  if [[ -f $gitdir ]]; then gitdir=$(sed -n 's/^gitdir: //p' "$gitdir"); [[ $gitdir = /* ]] || gitdir="$1/$gitdir"; fi
  [[ -f $gitdir/HEAD ]] || { echo "unknown (no git checkout)"; return; }
  head=$(<"$gitdir/HEAD")
  if [[ $head == ref:* ]]; then
    ref=${head#ref: }
    local common=$gitdir
    [[ -f $gitdir/commondir ]] && common="$gitdir/$(<"$gitdir/commondir")"
    if [[ -f $gitdir/$ref ]]; then sha=$(<"$gitdir/$ref")
    elif [[ -f $common/$ref ]]; then sha=$(<"$common/$ref")
    elif [[ -f $common/packed-refs ]]; then sha=$(awk -v r="$ref" '$2 == r { print $1 }' "$common/packed-refs")
    fi
    [[ -n $sha ]] && echo "${sha:0:12} (${ref#refs/heads/})" || echo "none yet (${ref#refs/heads/} has no commit)"
  else
    echo "${head:0:12} (detached)"
  fi
}

machine_line() {
  local cpu mem os
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
  mem=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
  os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
  echo "$(nproc) CPUs (${cpu:-unknown}), ${mem} GiB RAM, Linux $(uname -r)${os:+, $os}"
}
