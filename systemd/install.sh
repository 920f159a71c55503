#!/usr/bin/env bash
# Installs pivote's systemd units on a Raspberry Pi (or any systemd machine).
#
#   sudo systemd/install.sh --kiosk            # this Pi is a vote kiosk
#   sudo systemd/install.sh --server           # this machine runs the tally server
#   sudo systemd/install.sh --kiosk --dry-run  # print what would be done, change nothing
#   sudo systemd/install.sh --kiosk --root /mnt/image   # into a staging root (image build, tests)
#
# It does not install pivote itself: the units run /usr/local/bin/pivote, which is where
# `sudo npm install -g ./pivote-<version>.tgz` puts it (see systemd/README.md); the kiosk unit
# runs it with /usr/bin/node (Debian's / Raspberry Pi OS's nodejs package, and NodeSource's), to
# pass V8 memory flags. Safe to run again: files that are already right are left alone, and an
# existing /etc/pivote/kiosk.json is never overwritten.
set -euo pipefail

readonly PROG=${0##*/}
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly REPO_DIR=${SCRIPT_DIR%/*}
readonly EXAMPLE_CONFIG=$REPO_DIR/hardware/kiosk.example.json
readonly CLI=/usr/local/bin/pivote
# pivote-kiosk.service's ExecStart names node itself (for --lite-mode; see the unit).
readonly NODE=/usr/bin/node
readonly USER_NAME=pivote
# RestartSteps=/RestartMaxDelaySec= (dropins/restart-backoff.conf) exist since systemd 254.
readonly BACKOFF_MIN_SYSTEMD=254

usage() {
  cat <<EOF
Usage: $PROG (--server | --kiosk)... [--dry-run] [--root DIR]

  --server      install and enable pivote-server.service
  --kiosk       install and enable pivote-kiosk.service (and /etc/pivote/kiosk.json)
  --dry-run     print what would be done; change nothing (may run without root)
  --root DIR    install into the staging root DIR instead of this machine: the user is
                created in DIR/etc/passwd (useradd --prefix), units are enabled with
                'systemctl --root'; nothing is started and no running systemd is touched.
                --prefix DIR is the same.
  -h, --help    show this help
EOF
}

die() {
  printf '%s: %s\n' "$PROG" "$*" >&2
  exit 1
}
say() { printf '%s\n' "$*"; }

roles=()
dry_run=0
root=""
while (($#)); do
  case $1 in
    --server | --kiosk) [[ " ${roles[*]} " == *" ${1#--} "* ]] || roles+=("${1#--}") ;;
    --dry-run) dry_run=1 ;;
    --root | --prefix)
      (($# >= 2)) || die "$1 needs a directory"
      root=$2
      shift
      ;;
    --root=* | --prefix=*) root=${1#*=} ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown argument: $1"
      ;;
  esac
  shift
done
((${#roles[@]})) || {
  usage >&2
  die "choose a role: --server or --kiosk"
}

# Refuse before doing anything else: half an installation is worse than none. A dry run
# changes nothing, so it may run as anyone.
if ((EUID != 0 && !dry_run)); then
  die "must be run as root (it creates a system user and writes /etc/systemd/system); try: sudo $0 ${roles[*]/#/--}"
fi

if [[ -n $root ]]; then
  [[ -d $root ]] || die "--root $root is not a directory"
  root=$(cd "$root" && pwd)
  [[ $root != / ]] || root=""
fi
readonly root dry_run

# ---- helpers -------------------------------------------------------------------------------

# Runs a command that changes the system, or only prints it in a dry run.
run() {
  local shown
  printf -v shown '%q ' "$@"
  if ((dry_run)); then
    say "would run: ${shown% }"
  else
    say "+ ${shown% }"
    "$@"
  fi
}

# Numeric gid of a group in the target root (the host's names mean nothing in a staging root).
gid_of() {
  if [[ -n $root ]]; then
    awk -F: -v g="$1" '$1 == g { print $3; exit }' "$root/etc/group" 2>/dev/null
  else
    getent group "$1" | cut -d: -f3
  fi
}

group_exists() { [[ -n $(gid_of "$1") ]]; }

user_exists() {
  if [[ -n $root ]]; then
    [[ -f $root/etc/passwd ]] && grep -q "^$USER_NAME:" "$root/etc/passwd"
  else
    getent passwd "$USER_NAME" >/dev/null
  fi
}

# The gid to give a file. In a dry run the pivote group may not exist yet (it would by the time
# this step ran for real), so the name stands in for it.
target_gid() {
  local gid
  if [[ $1 == root ]]; then
    gid=0
  else
    gid=$(gid_of "$1")
  fi
  if [[ -z $gid ]]; then
    ((dry_run)) || die "group $1 does not exist"
    gid=$1
  fi
  printf '%s\n' "$gid"
}

# install_file SRC DEST MODE [GROUP]: copies SRC to DEST unless DEST already has the same bytes,
# mode and owner, so a second run changes nothing (not even mtimes).
install_file() {
  local src=$1 dest=$2 mode=$3 gid
  gid=$(target_gid "${4:-root}")
  if [[ -f $dest && $(stat -c '%a %u %g' "$dest") == "${mode#0} 0 $gid" ]] && cmp -s "$src" "$dest"; then
    say "unchanged: $dest"
    return 0
  fi
  run install -D -m "$mode" -o 0 -g "$gid" "$src" "$dest"
  changed=1
}

# Prints the major version of systemd in the target, or nothing when it cannot be told.
systemd_version() {
  if [[ -n $root ]]; then
    local lib
    for lib in "$root"/usr/lib/systemd/libsystemd-shared-*.so "$root"/lib/systemd/libsystemd-shared-*.so; do
      [[ -e $lib ]] || continue
      lib=${lib##*/libsystemd-shared-}
      printf '%s\n' "${lib%%[!0-9]*}"
      return 0
    done
  elif command -v systemctl >/dev/null; then
    systemctl --version | awk 'NR == 1 { print $2 + 0 }'
  fi
}

# A system user with no home and no shell; its data lives in the units' StateDirectory.
# useradd/usermod come from Debian's essential "passwd" package; --prefix makes them edit
# DIR/etc/passwd and DIR/etc/group of a staging root without chroot.
ensure_user() {
  if user_exists; then
    say "unchanged: user $USER_NAME exists"
  else
    run useradd ${root:+--prefix "$root"} --system --user-group --no-create-home --home-dir / \
      --shell /usr/sbin/nologin --comment "pivote vote kiosk and server" "$USER_NAME"
  fi
}

ensure_gpio_membership() {
  if ! group_exists gpio; then
    say "warning: there is no gpio group${root:+ in $root}. pivote-kiosk.service uses" \
      "SupplementaryGroups=gpio and will not start (status=216/GROUP) until it exists and owns" \
      "/dev/gpiochip* (Raspberry Pi OS has both; elsewhere: groupadd --system gpio plus a udev rule)."
    return 0
  fi
  local members
  if [[ -n $root ]]; then
    members=$(awk -F: '$1 == "gpio" { print $4; exit }' "$root/etc/group")
  else
    members=$(getent group gpio | cut -d: -f4)
  fi
  if [[ ,$members, == *,"$USER_NAME",* ]]; then
    say "unchanged: $USER_NAME is in group gpio"
  else
    run usermod ${root:+--prefix "$root"} --append --groups gpio "$USER_NAME"
  fi
}

ensure_dir() {
  local dir=$1 mode=$2 gid
  gid=$(target_gid "$3")
  if [[ -d $dir && $(stat -c '%a %u %g' "$dir") == "${mode#0} 0 $gid" ]]; then
    say "unchanged: $dir/"
  else
    run install -d -m "$mode" -o 0 -g "$gid" "$dir"
  fi
}

# ---- the installation ----------------------------------------------------------------------

for f in "$SCRIPT_DIR/dropins/restart-backoff.conf" "$EXAMPLE_CONFIG"; do
  [[ -f $f ]] || die "missing $f: run install.sh from a pivote checkout or installed package"
done

if [[ -x $root$CLI ]]; then
  say "found: $root$CLI"
elif [[ -n $root ]]; then
  say "warning: $root$CLI is missing; install pivote into the image before it boots"
elif ((dry_run)); then
  say "warning: $CLI is missing; a real run would stop here until pivote is installed"
else
  die "pivote is not installed at $CLI. Install the release tarball first: in a checkout" \
    "'npm ci && npm pack' makes pivote-<version>.tgz; copy it here and run" \
    "'sudo npm install -g ./pivote-<version>.tgz' (see systemd/README.md)."
fi

if [[ " ${roles[*]} " == *" kiosk "* ]]; then
  # The chardev backend (current Raspberry Pi OS, every Pi 5) needs the native addon that
  # `npm install -g` builds; say now, not at the kiosk's first start, when it did not build.
  if [[ -x $root$CLI ]]; then
    package_dir=$(readlink -f "$root$CLI")
    package_dir=${package_dir%/dist/cli/main.js}
    if [[ -e $package_dir/native/gpio-chardev/build/Release/gpio_chardev.node ]]; then
      say "found: the chardev GPIO addon"
    else
      say "warning: the chardev GPIO addon did not build when pivote was installed, so '--gpio chardev'" \
        "(current Raspberry Pi OS, Pi 5) is unavailable. Install the build tools" \
        "('sudo apt install python3 make g++ linux-libc-dev') and install the tarball again."
    fi
  fi
  if [[ -x $root$NODE ]]; then
    say "found: $root$NODE"
  elif [[ -n $root ]]; then
    say "warning: $root$NODE is missing; pivote-kiosk.service runs node from there, install it into the image"
  elif ((dry_run)); then
    say "warning: $NODE is missing; a real run would stop here until node is there"
  else
    die "pivote-kiosk.service runs $NODE, which does not exist. Install Node.js 20+ from Raspberry Pi OS" \
      "('apt install nodejs') or NodeSource, or link the node you have: sudo ln -s \"\$(command -v node)\" $NODE" \
      "(it must not live under /home: the service cannot read /home)."
  fi
fi

changed=0
version=$(systemd_version || true)
ensure_user

changed=0 # from here on it tracks the unit files (try-restart below)
units=()
for role in "${roles[@]}"; do
  unit=pivote-$role.service
  units+=("$unit")
  unit_dir=$root/etc/systemd/system
  install_file "$SCRIPT_DIR/$unit" "$unit_dir/$unit" 0644
  if [[ -n $version ]] && ((version >= BACKOFF_MIN_SYSTEMD)); then
    install_file "$SCRIPT_DIR/dropins/restart-backoff.conf" "$unit_dir/$unit.d/restart-backoff.conf" 0644
  else
    say "skipped: restart back-off drop-in (needs systemd >= $BACKOFF_MIN_SYSTEMD, found ${version:-unknown})"
  fi
done
units_changed=$changed

# /etc/pivote: root-owned, readable by the services' group only (it holds the kiosk secret).
ensure_dir "$root/etc/pivote" 0750 "$USER_NAME"

start_kiosk=1
if [[ " ${roles[*]} " == *" kiosk "* ]]; then
  ensure_gpio_membership
  config=$root/etc/pivote/kiosk.json
  if [[ -e $config ]]; then
    say "kept: $config (existing configs are never overwritten)"
  else
    install_file "$EXAMPLE_CONFIG" "$config" 0640 "$USER_NAME"
    say "edit $config: set server, kioskId and the pins you wired."
  fi
  if [[ ! -e $root/etc/pivote/kiosk.secret ]] && ! grep -q '"secret"[[:space:]]*:' "$config" 2>/dev/null; then
    start_kiosk=0
    say "next: put this kiosk's secret (printed by 'pivote fleet add <id>' on the server) in" \
      "/etc/pivote/kiosk.secret (root:$USER_NAME, mode 0640), then: systemctl start pivote-kiosk"
  fi
fi

if [[ -n $root ]]; then
  # Offline enable: creates the multi-user.target.wants symlinks inside the staging root only.
  if command -v systemctl >/dev/null; then
    for unit in "${units[@]}"; do
      if [[ -L $root/etc/systemd/system/multi-user.target.wants/$unit ]]; then
        say "unchanged: $unit is enabled"
      else
        run systemctl --root="$root" --quiet enable "$unit"
      fi
    done
  else
    say "skipped: enabling ${units[*]} (no systemctl here); run 'systemctl enable' on first boot"
  fi
else
  run systemctl daemon-reload
  for unit in "${units[@]}"; do
    if [[ $unit == pivote-kiosk.service ]] && ((!start_kiosk)); then
      run systemctl enable "$unit"
      continue
    fi
    # A unit that was already running keeps its old definition until it is restarted.
    if ((units_changed)); then run systemctl try-restart "$unit"; fi
    run systemctl enable --now "$unit"
  done
fi

((dry_run)) && say "dry run: nothing was changed"
say "done."
