# shellcheck shell=bash
# Cold path: unpack a Debian 6.12 kernel and build gpio-sim for it, leaving in
# $KT_CACHE_ROOT/<abi>/ only what a boot needs: vmlinuz, modules/*.ko, modules/load-order.
#
# Debian builds its kernels without CONFIG_GPIO_SIM and CONFIG_IRQ_SIM, so gpio-sim is built
# out of tree as ONE module from the matching linux-source: drivers/gpio/gpio-sim.c plus
# kernel/irq/irq_sim.c. irq_sim.c calls handle_simple_irq(irq_to_desc(irq)), and irq_to_desc is
# not exported to modules; generic_handle_irq(irq) is exported and does the same lookup.

# Modules the guest loads besides gpio-sim: configfs (gpio-sim's configuration interface) and
# the 9p stack for mounting the host's root read-only.
KT_GUEST_MODULES=(configfs netfs 9pnet 9pnet_virtio 9p)

# kt_build_gpio_sim <headers dir> <source root> <out dir> <irq_sim builtin: y|n>
kt_build_gpio_sim() {
  local headers=$1 src=$2 out=$3 irq_builtin=$4 build
  build=$(mktemp -d "$KT_CACHE_ROOT/tmp.gpio-sim.XXXXXX")
  # The module must not be called gpio-sim.c itself: kbuild would take it for a single-file module.
  cp "$src/drivers/gpio/gpio-sim.c" "$build/gpio-sim-core.c"
  if [ "$irq_builtin" = y ]; then
    printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-core.o\n' > "$build/Kbuild"
  else
    sed 's/handle_simple_irq(irq_to_desc(\([a-z_]*\)));/generic_handle_irq(\1);/' \
      "$src/kernel/irq/irq_sim.c" > "$build/irq_sim.c"
    grep -q 'generic_handle_irq(' "$build/irq_sim.c" ||
      kt_die "irq_sim.c changed: the handle_simple_irq(irq_to_desc(...)) call to replace is gone"
    printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-core.o irq_sim.o\n' > "$build/Kbuild"
  fi
  # BTF for modules needs pahole and is irrelevant here.
  make -s -C "$headers" M="$build" CONFIG_DEBUG_INFO_BTF_MODULES= -j"$(nproc)" modules >"$build/make.log" 2>&1 || {
    tail -n 40 "$build/make.log" >&2
    kt_die "building gpio-sim failed"
  }
  cp "$build/gpio-sim.ko" "$out/gpio-sim.ko"
  rm -rf "$build"
}

# kt_prepare_kernel <abi> <package version>
kt_prepare_kernel() {
  local abi=$1 version=$2 base=${1%-amd64}
  local dest=$KT_CACHE_ROOT/$abi work root config sim irq_sim
  work=$(mktemp -d "$KT_CACHE_ROOT/tmp.$abi.XXXXXX")
  root=$work/root
  kt_log "downloading Linux $abi ($version) from Debian"
  kt_download "$work" "linux-image-$abi-unsigned=$version" "linux-headers-$abi=$version" \
    "linux-headers-$base-common=$version" "linux-kbuild-$base=$version" "linux-source-6.12=$version"
  kt_log "unpacking"
  for deb in "$work"/linux-image-*.deb "$work"/linux-headers-*.deb "$work"/linux-kbuild-*.deb; do
    dpkg-deb -x "$deb" "$root"
  done
  config=$root/boot/config-$abi
  sim=$(sed -n 's/^CONFIG_GPIO_SIM=\(.\)$/\1/p' "$config")
  irq_sim=$(sed -n 's/^CONFIG_IRQ_SIM=\(.\)$/\1/p' "$config")

  rm -rf "$dest.new"
  mkdir -p "$dest.new/modules"
  cp "$root/boot/vmlinuz-$abi" "$dest.new/vmlinuz"
  cp "$config" "$dest.new/config"
  local wanted=("${KT_GUEST_MODULES[@]}")
  case $sim in
    y) ;;
    m) wanted+=(gpio-sim) ;;
    *)
      kt_log "building gpio-sim out of tree (CONFIG_GPIO_SIM is not set in this kernel)"
      # The headers' Makefile includes the common headers by absolute path; point it at ours.
      sed -i "s#/usr/src/#$root/usr/src/#g" "$root/usr/src/linux-headers-$abi/Makefile"
      dpkg-deb --fsys-tarfile "$work"/linux-source-6.12_*.deb |
        tar -xO ./usr/src/linux-source-6.12.tar.xz |
        tar -xJ -C "$work" linux-source-6.12/drivers/gpio/gpio-sim.c linux-source-6.12/kernel/irq/irq_sim.c
      kt_build_gpio_sim "$root/usr/src/linux-headers-$abi" "$work/linux-source-6.12" "$dest.new/modules" \
        "$([ "$irq_sim" = y ] && echo y || echo n)"
      ;;
  esac
  kt_collect_modules "$root/lib/modules/$abi" "$dest.new/modules" "${wanted[@]}" > "$dest.new/modules/load-order"
  if [ -f "$dest.new/modules/gpio-sim.ko" ] && ! grep -qx 'gpio-sim' "$dest.new/modules/load-order"; then
    echo gpio-sim >> "$dest.new/modules/load-order"
  fi
  printf '%s\n' "$version" > "$dest.new/package-version"
  rm -rf "$dest" "$work"
  mv "$dest.new" "$dest"
  kt_log "cached in $dest ($(du -sh "$dest" | cut -f1))"
}
