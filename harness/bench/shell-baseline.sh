#!/usr/bin/env bash
# shell-baseline.sh: the naive way to test FTP through a rule set, as kernel selftests do it
# (tools/testing/selftests/netfilter/*.sh): namespaces, veth and bridges made by hand with `ip`,
# vsftpd started in the server namespace, the rule set loaded with `nft -f`, and one curl per cell
# with a fixed client timeout. A cell passes when curl exits 0 (and a download has the right
# sha256); anything else counts as blocked, because a timeout is all a naive check can see.
#
# `npm run bench` runs it to compare pinhole against it. A fixed script: it takes no input and
# builds no command from anything but its own constants.
#
# Topology: the same as topologies/routed.topo.yaml (bridges in namespaces of their own, so the
# host's network namespace is never touched):
#   client 192.168.10.10 --[br0 in lan]-- lan0 192.168.10.254 [fw] wan0 203.0.113.254 --[br0 in wan]-- server 203.0.113.10
#
# Namespaces are named phbase-<pid>-<name>: not pinhole's own prefix, so `pinhole clean` never
# takes them for a run of its own; this script removes them itself on exit (trap EXIT).
#
# Output, one line per measurement (parsed by harness/bench/bench.ts; times in milliseconds):
#   setup <ms>
#   cell <ruleset> <mode> <command> <pass|blocked> total <ms> apply <ms> curl <ms> exit <curl exit code>
#   throughput <ruleset> PASV RETR <MiB/s>
#   teardown <ms>
set -euo pipefail

readonly HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly RULESETS="$HERE/../../suites/ftp-stateful/rulesets"
# The reference measurement's naive check used a 4 s client timeout (see
# /work/shared/reference/netfilter-ftp.md): long enough that a slow pass is not taken for a block.
readonly TIMEOUT_S=4
readonly TEST_FILE_BYTES=$((256 * 1024))
readonly UPLOAD_BYTES=$((128 * 1024))
readonly BIG_FILE_BYTES=$((100 * 1024 * 1024))
readonly THROUGHPUT_ROUNDS=3

readonly P="phbase-$$"
readonly NS_CLIENT="$P-client" NS_FW="$P-fw" NS_SERVER="$P-server" NS_LAN="$P-lan" NS_WAN="$P-wan"
readonly ALL_NS=("$NS_CLIENT" "$NS_FW" "$NS_SERVER" "$NS_LAN" "$NS_WAN")
readonly SERVER_IP=203.0.113.10

WORK=""
VSFTPD_PID=""

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

teardown() {
  local t0; t0=$(now_ms)
  if [[ -n $VSFTPD_PID ]]; then kill "$VSFTPD_PID" 2>/dev/null || true; wait "$VSFTPD_PID" 2>/dev/null || true; fi
  local ns pid
  for ns in "${ALL_NS[@]}"; do
    [[ -e /run/netns/$ns ]] || continue
    # vsftpd sessions still dialling (blocked active cells) live in the server namespace.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  [[ -n $WORK ]] && rm -rf -- "$WORK"
  echo "teardown $(( $(now_ms) - t0 ))"
}
trap teardown EXIT
trap 'exit 130' INT TERM

setup() {
  local t0; t0=$(now_ms)
  local ns
  for ns in "${ALL_NS[@]}"; do ip netns add "$ns"; done
  for ns in "$NS_LAN" "$NS_WAN"; do
    ip -n "$ns" link add br0 type bridge
    ip -n "$ns" link set br0 up
  done
  # veth pairs: the bridge port in the segment namespace, the named end in the node.
  ip -n "$NS_LAN" link add v0 type veth peer name eth0 netns "$NS_CLIENT"
  ip -n "$NS_LAN" link add v1 type veth peer name lan0 netns "$NS_FW"
  ip -n "$NS_WAN" link add v2 type veth peer name wan0 netns "$NS_FW"
  ip -n "$NS_WAN" link add v3 type veth peer name eth0 netns "$NS_SERVER"
  ip -n "$NS_LAN" link set v0 master br0 up
  ip -n "$NS_LAN" link set v1 master br0 up
  ip -n "$NS_WAN" link set v2 master br0 up
  ip -n "$NS_WAN" link set v3 master br0 up
  for ns in "$NS_CLIENT" "$NS_FW" "$NS_SERVER"; do ip -n "$ns" link set lo up; done
  ip -n "$NS_CLIENT" addr add 192.168.10.10/24 dev eth0
  ip -n "$NS_CLIENT" link set eth0 up
  ip -n "$NS_CLIENT" route add default via 192.168.10.254
  ip -n "$NS_FW" addr add 192.168.10.254/24 dev lan0
  ip -n "$NS_FW" addr add 203.0.113.254/24 dev wan0
  ip -n "$NS_FW" link set lan0 up
  ip -n "$NS_FW" link set wan0 up
  in_ns "$NS_FW" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$NS_SERVER" addr add "$SERVER_IP/24" dev eth0
  ip -n "$NS_SERVER" link set eth0 up
  ip -n "$NS_SERVER" route add default via 203.0.113.254

  # vsftpd as the harness configures it: anonymous, upload dir, port 21, data from port 20,
  # passive range 50000-50010. Its root must not be writable by the ftp user.
  WORK=$(mktemp -d /tmp/phbase.XXXXXX)
  chmod 755 "$WORK"
  mkdir -p "$WORK/root/upload" "$WORK/empty"
  chown ftp:ftp "$WORK/root/upload"
  head -c "$TEST_FILE_BYTES" /dev/urandom >"$WORK/root/test.bin"
  head -c "$BIG_FILE_BYTES" /dev/urandom >"$WORK/root/big.bin"
  head -c "$UPLOAD_BYTES" /dev/urandom >"$WORK/upload.bin"
  TEST_SHA=$(sha256sum "$WORK/root/test.bin" | cut -d' ' -f1)
  cat >"$WORK/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
background=NO
listen_port=21
anonymous_enable=YES
local_enable=NO
no_anon_password=YES
anon_root=$WORK/root
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=NO
anon_umask=022
pasv_enable=YES
pasv_min_port=50000
pasv_max_port=50010
port_enable=YES
connect_from_port_20=YES
secure_chroot_dir=$WORK/empty
seccomp_sandbox=NO
isolate_network=NO
nopriv_user=ftp
ftp_username=ftp
syslog_enable=NO
vsftpd_log_file=$WORK/vsftpd.log
EOF
  in_ns "$NS_SERVER" vsftpd "$WORK/vsftpd.conf" </dev/null >"$WORK/vsftpd.out" 2>&1 &
  VSFTPD_PID=$!
  local i
  for i in $(seq 200); do
    in_ns "$NS_SERVER" ss -Hltn 'sport = :21' | grep -q . && break
    sleep 0.01
  done
  in_ns "$NS_SERVER" ss -Hltn 'sport = :21' | grep -q . || { echo "vsftpd did not start: $(cat "$WORK/vsftpd.out")" >&2; exit 3; }
  echo "setup $(( $(now_ms) - t0 ))"
}

# Every cell starts from a clean firewall, as pinhole's do: conntrack flushed, rule set reloaded.
apply() {
  in_ns "$NS_FW" conntrack -F >/dev/null 2>&1 || true
  in_ns "$NS_FW" conntrack -F expect >/dev/null 2>&1 || true
  # One atomic transaction, as pinhole's reset is: the rule set files do not flush themselves.
  { echo 'flush ruleset'; cat -- "$1"; } | in_ns "$NS_FW" nft -f -
}

mode_flags() {
  case $1 in
    PORT) echo "-P - --disable-eprt" ;;
    EPRT) echo "-P -" ;;
    PASV) echo "--ftp-pasv --disable-epsv" ;;
    EPSV) echo "--ftp-pasv" ;;
  esac
}

# One cell: the rule set file, its short name, mode, command.
cell() {
  local file=$1 name=$2 mode=$3 command=$4
  local t0 t1 t2 rc=0 outcome=pass
  local -a flags
  read -r -a flags <<<"$(mode_flags "$mode")"
  t0=$(now_ms)
  apply "$file"
  t1=$(now_ms)
  if [[ $command == RETR ]]; then
    in_ns "$NS_CLIENT" curl -sS --connect-timeout "$TIMEOUT_S" --max-time "$TIMEOUT_S" "${flags[@]}" \
      -o "$WORK/got.bin" "ftp://$SERVER_IP/test.bin" 2>/dev/null || rc=$?
    if [[ $rc -eq 0 && $(sha256sum "$WORK/got.bin" | cut -d' ' -f1) != "$TEST_SHA" ]]; then rc=99; fi
    rm -f -- "$WORK/got.bin"
  else
    in_ns "$NS_CLIENT" curl -sS --connect-timeout "$TIMEOUT_S" --max-time "$TIMEOUT_S" "${flags[@]}" \
      -T "$WORK/upload.bin" "ftp://$SERVER_IP/upload/$name-$mode.bin" 2>/dev/null || rc=$?
  fi
  t2=$(now_ms)
  [[ $rc -eq 0 ]] || outcome=blocked
  echo "cell $name $mode $command $outcome total $((t2 - t0)) apply $((t1 - t0)) curl $((t2 - t1)) exit $rc"
}

# 100 MiB passive download, curl's own average speed (bytes/s) turned into MiB/s.
throughput() {
  local file=$1 name=$2 i speed
  for i in $(seq "$THROUGHPUT_ROUNDS"); do
    apply "$file"
    speed=$(in_ns "$NS_CLIENT" curl -sS --max-time 60 --ftp-pasv --disable-epsv -o /dev/null -w '%{speed_download}' "ftp://$SERVER_IP/big.bin")
    echo "throughput $name PASV RETR $(awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1048576 }')"
  done
}

setup
printf 'flush ruleset\n' >"$WORK/no-ruleset.nft"
for ruleset in nft-helper no-helper; do
  for mode in PORT EPRT PASV EPSV; do
    for command in RETR STOR; do
      cell "$RULESETS/$ruleset.nft" "$ruleset" "$mode" "$command"
    done
  done
done
throughput "$RULESETS/nft-helper.nft" nft-helper
throughput "$WORK/no-ruleset.nft" no-ruleset
