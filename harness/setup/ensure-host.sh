#!/usr/bin/env bash
# Makes this Debian host able to run pinhole: installs the Debian packages the netns driver
# needs (only the missing ones), unpacks the other FTP servers (ftp-server-bundles.sh) and the
# firewall frontends (frontend-bundles.sh), and the
# npm dependencies (only when package-lock.json changed, and only in pinhole's own checkout).
# Says precisely what is missing and exits 3 when it cannot install it itself.
# --for-tests (npm test): also what pinhole's own tests need beyond a run, i.e. a browser.
set -euo pipefail
cd "$(dirname "$0")/../.."

for_tests=false
for arg in "$@"; do
  case "$arg" in
    --for-tests) for_tests=true ;;
    *) echo "usage: ensure-host.sh [--for-tests]" >&2; exit 2 ;;
  esac
done

# command -> Debian package
declare -A NEEDS=(
  [ip]=iproute2 [ss]=iproute2 [nsenter]=util-linux [unshare]=util-linux [mount]=mount
  [nft]=nftables [iptables-nft-restore]=iptables [conntrack]=conntrack
  [vsftpd]=vsftpd [pkill]=procps [sysctl]=procps [sha256sum]=coreutils
  [curl]=curl [lftp]=lftp [openssl]=openssl [tcpdump]=tcpdump
)
# The HTML report's tests drive a real browser. Playwright's own browser download is not
# reachable from every CI host, Debian's chromium is; a run (`npm run job`) never needs one.
if $for_tests; then
  NEEDS[chromium]=chromium
fi
missing=()
for cmd in "${!NEEDS[@]}"; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDS[$cmd]}")
done
# vsftpd's drop-privilege user comes with the package; without it anonymous FTP cannot work.
getent passwd ftp >/dev/null 2>&1 || missing+=(vsftpd)
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "pinhole: missing Debian packages: ${missing[*]}" >&2
    echo "pinhole: install them as root: apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
  echo "pinhole: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  # pinhole starts its own vsftpd inside the server namespace; on a systemd host the package
  # also enables a host service, which README tells how to switch off.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pure-ftpd and proftpd cannot be installed beside vsftpd: they run from unpacked bundles.
bash harness/setup/ftp-server-bundles.sh
# The firewall frontends a check's `frontend:` renders with: unpacked too, never installed.
bash harness/setup/frontend-bundles.sh

# A symlinked node_modules is another checkout's install (git worktrees share one): npm ci would
# empty that shared tree first, under everyone using it, and a fresh checkout's lock file is
# always newer than it. Install in the checkout that owns it instead.
if [[ ! -f package-lock.json ]]; then
  : # Installed in a user's project (npm never ships a lock file): its own npm install did this.
elif [[ -L node_modules ]]; then
  [[ -f node_modules/.package-lock.json ]] || echo "pinhole: node_modules links to $(readlink node_modules), which has no npm install: run npm ci there" >&2
elif [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "pinhole: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The tests run pinhole as user nobody (its not-root refusal, an unreadable file): nobody must
# reach the checkout. A checkout made with `git clone . "$(mktemp -d)"` sits in a 0700 directory
# of its own; opening that one directory (the checkout's own root) is enough, since git makes
# everything under it readable. A closed directory above the checkout is not ours to open.
if $for_tests; then
  if [[ "$(stat -c %a .)" != *[157] ]]; then
    echo "pinhole: the tests run pinhole as user nobody: opening the checkout's root directory to it (chmod o+rx $PWD)"
    chmod o+rx .
  fi
  if ! runuser -u nobody -- test -r harness/cli/pinhole.mjs; then
    echo "pinhole: user nobody cannot read $PWD/harness/cli/pinhole.mjs (a directory above the checkout is closed to it); the not-root tests need it: clone into a directory others can enter" >&2
    exit 3
  fi
fi
