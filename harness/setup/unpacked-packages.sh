# Sourced by ftp-server-bundles.sh and frontend-bundles.sh: what both do to keep Debian packages
# unpacked in pinhole's cache, never installed, and to install what those run on.

# pinhole's cache for SUBDIR, by the rule harness/paths.ts states: PINHOLE_CACHE; else, installed
# in a user's project (this checkout lies under node_modules/), the user's cache; else .cache/ here.
cache_dir() {
  if [[ -n "${PINHOLE_CACHE:-}" ]]; then
    echo "$PINHOLE_CACHE/$1"
  elif [[ "$PWD/" == */node_modules/* ]]; then
    echo "${XDG_CACHE_HOME:-$HOME/.cache}/pinhole/$1"
  else
    echo ".cache/$1"
  fi
}

fail() {
  echo "pinhole: $*" >&2
  exit 3
}

# The version apt would install of PACKAGE (after one `apt-get update` as root if it knows none);
# fails naming FOR, what it is needed for.
candidate_version() { # PACKAGE FOR
  local version
  version=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    [[ $(id -u) -eq 0 ]] && apt-get update -qq >&2
    version=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  fi
  [[ -n "$version" && "$version" != "(none)" ]] || fail "apt knows no package $1 (needed to unpack $2): check /etc/apt/sources.list for Debian bookworm main"
  echo "$version"
}

# Downloads PACKAGES (`apt-get download`: never installed) into a new directory under $CACHE,
# and prints its path.
download_packages() { # PACKAGES...
  local tmp
  mkdir -p "$CACHE"
  tmp=$(mktemp -d "$CACHE/.download.XXXXXX")
  # apt downloads as the unprivileged _apt user where it exists: let it write there.
  if getent passwd _apt >/dev/null; then chown _apt "$tmp"; fi
  (cd "$tmp" && apt-get download -qq "$@" >&2) || {
    rm -rf "$tmp"
    fail "apt-get download $* failed (is a Debian mirror reachable?)"
  }
  echo "$tmp"
}

# Installs the PACKAGES not installed yet (as root), or says which are missing and exits 3. WHAT
# names what needs them, in the messages.
install_missing() { # WHAT PACKAGES...
  local what=$1 p
  shift
  local missing=()
  for p in "$@"; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
  done
  ((${#missing[@]} > 0)) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "pinhole: packages $what need are missing: ${missing[*]}" >&2
    fail "install them as root: apt-get install -y ${missing[*]}"
  fi
  echo "pinhole: installing the packages $what need: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "apt-get install ${missing[*]} failed"
}
