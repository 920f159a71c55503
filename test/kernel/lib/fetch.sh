# shellcheck shell=bash
# Fetching from Debian's archive with apt: the host tools, a 6.12 kernel with its headers and
# source, and static busybox. Nothing is installed into /boot or /lib/modules: the kernel
# packages are only downloaded and unpacked into a scratch directory.

KT_APT_OPTS=(-q -o APT::Sandbox::User=root)

# Installs the host tools that are missing. Only what is needed now: qemu and busybox on every
# run, the compiler only when gpio-sim must be built.
kt_ensure_tools() {
  local missing=() tool pkg
  for pair in "$@"; do
    tool=${pair%%=*}
    pkg=${pair#*=}
    command -v "$tool" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  kt_log "installing ${missing[*]} with apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${KT_APT_OPTS[@]}" "${missing[@]}" >/dev/null ||
    kt_die "apt-get install ${missing[*]} failed"
}

# Prints "<abi> <version>" of the newest 6.12 kernel whose unsigned image, headers, kbuild and
# source all exist at the same package version, e.g. "6.12.117+deb12-amd64 6.12.117-1~deb12u1".
# The ABI is discovered, never pinned, because the archive drops old ones.
# PIVOTE_KERNEL_ABI pins one on purpose (for bisecting a kernel regression).
kt_choose_kernel() {
  local candidates abi base versions sources
  if [ -n "${PIVOTE_KERNEL_ABI:-}" ]; then
    candidates=$PIVOTE_KERNEL_ABI
  else
    candidates=$(apt-cache pkgnames linux-image-6.12. 2>/dev/null |
      sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb[0-9]*-amd64\)-unsigned$/\1/p' | sort -V -r)
  fi
  [ -n "$candidates" ] || return 1
  # apt-cache takes about a second per call here, so ask for every package at once.
  local pkgs=()
  for abi in $candidates; do
    base=${abi%-amd64}
    pkgs+=("linux-image-$abi-unsigned" "linux-headers-$abi" "linux-headers-$base-common" "linux-kbuild-$base")
  done
  versions=$(apt-cache show --no-all-versions "${pkgs[@]}" 2>/dev/null |
    awk '/^Package:/ { p = $2 } /^Version:/ { print p, $2 }')
  sources=$(apt-cache madison linux-source-6.12 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
  local version
  for abi in $candidates; do
    base=${abi%-amd64}
    version=$(printf '%s\n' "$versions" | awk -v p="linux-image-$abi-unsigned" '$1 == p { print $2 }')
    [ -n "$version" ] || continue
    printf '%s\n' "$versions" | grep -qxF "linux-headers-$abi $version" || continue
    printf '%s\n' "$versions" | grep -qxF "linux-headers-$base-common $version" || continue
    printf '%s\n' "$versions" | grep -qxF "linux-kbuild-$base $version" || continue
    printf '%s\n' "$sources" | grep -qxF "$version" || continue
    printf '%s %s\n' "$abi" "$version"
    return 0
  done
  return 1
}

# kt_download <dir> <package[=version]>...
kt_download() {
  local dir=$1
  shift
  (cd "$dir" && apt-get download "${KT_APT_OPTS[@]}" "$@" >/dev/null) || kt_die "apt-get download $* failed"
}

# Static busybox for the initramfs, shared by every kernel version.
kt_fetch_busybox() {
  local dest=$KT_CACHE_ROOT/busybox
  [ -x "$dest/busybox" ] && return 0
  local work
  work=$(mktemp -d "$KT_CACHE_ROOT/tmp.busybox.XXXXXX")
  kt_download "$work" busybox-static
  dpkg-deb -x "$work"/busybox-static_*.deb "$work/root"
  mkdir -p "$dest"
  cp "$work/root/bin/busybox" "$dest/busybox.new" && mv "$dest/busybox.new" "$dest/busybox"
  rm -rf "$work"
}

# Copies the modules the guest needs, with their dependencies (read from each module's
# `depends=`), decompressed so busybox insmod can load them, and prints their load order.
# kt_collect_modules <modules dir of the kernel> <dest> <name>...
kt_collect_modules() {
  local kdir=$1 dest=$2
  shift 2
  local -A done_=()
  local order=()
  _kt_add_module() {
    local name=$1 file deps dep
    [ -n "${done_[$name]:-}" ] && return 0
    done_[$name]=1
    file=$(find "$kdir" -name "$name.ko" -o -name "$name.ko.xz" -o -name "${name//_/-}.ko.xz" -o -name "${name//-/_}.ko.xz" | head -n 1)
    if [ -z "$file" ]; then
      grep -q "/$name.ko\$" "$kdir/modules.builtin" 2>/dev/null && return 0
      kt_die "kernel module $name not found under $kdir"
    fi
    case $file in
      *.xz) xz -dc "$file" > "$dest/$name.ko" ;;
      *) cp "$file" "$dest/$name.ko" ;;
    esac
    deps=$(strings "$dest/$name.ko" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' ')
    for dep in $deps; do _kt_add_module "$dep"; done
    order+=("$name")
  }
  for name in "$@"; do _kt_add_module "$name"; done
  printf '%s\n' "${order[@]}"
}
