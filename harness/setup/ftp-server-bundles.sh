#!/usr/bin/env bash
# Unpacks pure-ftpd and proftpd into pinhole's cache (.cache/ftp-servers/ in a checkout) as "bundles" and installs the shared
# libraries they link against. Called by ensure-host.sh; fast (no apt call) once done.
#
# Why bundles and not `apt-get install`: Debian's vsftpd, pure-ftpd and proftpd-core each
# Provide and Conflict with the virtual package `ftp-server`, so at most one of them can be
# installed on a host or in an image. pinhole runs all three, so vsftpd stays an ordinary
# package and the other two are downloaded (`apt-get download`) and unpacked (`dpkg-deb -x`)
# here, never installed. Their libraries do not conflict and are installed normally (and listed
# in topologies/images/node.packages, since the repository, bundles included, is bind-mounted
# into Docker nodes at the same path). Do not "simplify" this back into apt-get install.
#
# Layout: .cache/ftp-servers/<server>_<version>/ holds the unpacked packages (proftpd-core and
# proftpd-mod-crypto share one tree: ModulePath names a single directory, and the crypto modules
# (mod_tls) must match the core's version); .cache/ftp-servers/<server> links to the bundle in
# use; <bundle>/.libraries lists the library packages it needs. Exit 3 with the reason when it
# cannot finish.
set -euo pipefail
cd "$(dirname "$0")/../.."

source harness/setup/unpacked-packages.sh
CACHE=$(cache_dir ftp-servers)
# server -> the Debian packages unpacked into its bundle (all at one version)
declare -A BUNDLES=([pure-ftpd]="pure-ftpd" [proftpd]="proftpd-core proftpd-mod-crypto")

# The Depends a library must satisfy: Debian names shared-library packages after the library
# and its soname version (libsodium23, zlib1g), so names starting lib/zlib and holding a digit
# are the libraries; the rest (adduser, ucf, inetd, init scripts) serve the package's
# installation, which a bundle never performs.
library_depends() {
  dpkg-deb -f "$1" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/^ +//; s/ +$//' |
    grep -E '^(lib|zlib)[^ ]*[0-9]' || true
}

make_bundle() {
  local server=$1 packages=${BUNDLES[$1]} version tmp deb
  read -r first _ <<<"$packages"
  version=$(candidate_version "$first" "$server into $CACHE") || exit 3
  local bundle="${server}_${version}"
  if [[ ! -f "$CACHE/$bundle/.libraries" ]]; then
    echo "pinhole: unpacking $server $version into $CACHE/$bundle (apt-get download; not installed: see $0)"
    local pinned=()
    for p in $packages; do pinned+=("$p=$version"); done
    tmp=$(download_packages "${pinned[@]}") || exit 3
    mkdir "$tmp/tree"
    for deb in "$tmp"/*.deb; do
      dpkg-deb -x "$deb" "$tmp/tree"
      library_depends "$deb" >>"$tmp/tree/.libraries"
    done
    sort -u -o "$tmp/tree/.libraries" "$tmp/tree/.libraries"
    rm -rf "${CACHE:?}/$bundle"
    # Renamed into place only when complete, so a half-unpacked bundle is never used.
    mv "$tmp/tree" "$CACHE/$bundle"
    rm -rf "$tmp"
  fi
  ln -sfn "$bundle" "$CACHE/$server"
}

for server in "${!BUNDLES[@]}"; do
  [[ -f "$CACHE/$server/.libraries" ]] || make_bundle "$server"
done

mapfile -t libraries < <(cat "$CACHE"/*/.libraries | sort -u)
install_missing "the libraries pure-ftpd/proftpd" "${libraries[@]}"
