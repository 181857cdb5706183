#!/usr/bin/env bash
# Unpacks the five firewall frontends pinhole renders users' configurations with (firewalld,
# ufw, ferm, FireHOL, Shorewall) into pinhole's cache (.cache/frontends/ in a checkout), and
# installs the interpreters and libraries they run on. Called by ensure-host.sh; fast (no apt
# call) once done.
#
# Why unpacked and never installed: each package's install scripts enable and start a service
# that takes over the host's firewall (firewalld's and ufw's units, ferm's and FireHOL's and
# Shorewall's init scripts). pinhole runs them only inside a throw-away network, mount and PID
# namespace (harness/frontends/render-frontend.sh), with this tree laid over /usr. What they
# run on (python3-gi, python3-dbus, dbus-daemon, perl, bc...) starts no service and is installed
# normally. Do not "simplify" this into apt-get install.
#
# Layout: .cache/frontends/<kind>_<version>/{usr,etc} holds the unpacked packages, with the
# packages' /sbin and /lib moved under usr/ (Debian bookworm hosts have a merged /usr, and the
# tree is laid over /usr alone); .cache/frontends/<kind> links to it. Exit 3 with the reason when
# it cannot finish.
set -euo pipefail
cd "$(dirname "$0")/../.."

source harness/setup/unpacked-packages.sh
CACHE=$(cache_dir frontends)

# frontend -> the Debian packages unpacked into its tree (the first names the version)
declare -A PACKAGES=(
  [firewalld]="firewalld python3-firewall python3-nftables"
  [ufw]="ufw"
  [ferm]="ferm"
  [firehol]="firehol firehol-common"
  [shorewall]="shorewall shorewall-core shorewall6"
)
# What they run on, installed normally: none of these starts a service.
RUNTIME=(python3 python3-gi python3-dbus gir1.2-glib-2.0 libnftables1 dbus-daemon perl bc libio-socket-inet6-perl iproute2 iptables)

make_tree() {
  local kind=$1 packages=${PACKAGES[$1]} version tmp first
  read -r first _ <<<"$packages"
  version=$(candidate_version "$first" "$kind into $CACHE") || exit 3
  local tree="${kind}_${version}"
  if [[ ! -f "$CACHE/$tree/.complete" ]]; then
    echo "pinhole: unpacking $kind $version into $CACHE/$tree (apt-get download; not installed: see $0)"
    # The packages of one frontend have versions of their own (python3-nftables): not pinned.
    # shellcheck disable=SC2086
    tmp=$(download_packages $packages) || exit 3
    mkdir "$tmp/tree"
    for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/tree"; done
    local d
    for d in sbin bin lib; do
      if [[ -d "$tmp/tree/$d" ]]; then
        mkdir -p "$tmp/tree/usr/$d"
        cp -a "$tmp/tree/$d/." "$tmp/tree/usr/$d/"
        rm -rf "${tmp:?}/tree/$d"
      fi
    done
    echo "$version" >"$tmp/tree/.version"
    touch "$tmp/tree/.complete"
    rm -rf "${CACHE:?}/$tree"
    # Renamed into place only when complete, so a half-unpacked tree is never used.
    mv "$tmp/tree" "$CACHE/$tree"
    rm -rf "$tmp"
  fi
  ln -sfn "$tree" "$CACHE/$kind"
}

for kind in "${!PACKAGES[@]}"; do
  [[ -f "$CACHE/$kind/.complete" ]] || make_tree "$kind"
done

install_missing "the firewall frontends" "${RUNTIME[@]}"
