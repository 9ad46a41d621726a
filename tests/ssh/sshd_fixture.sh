#!/bin/sh
# @file sshd_fixture.sh
# A real OpenSSH server on 127.0.0.1 for the ssh transport tests and
# benchmarks: generated host and user keys, known_hosts variants, a `pct`
# stand-in on a fixed path and per-CT directories.
#
#   sshd_fixture.sh start DIR     DIR: an empty directory the caller made
#   sshd_fixture.sh agent DIR     start an ssh-agent holding the user key
#   sshd_fixture.sh stop DIR      stop what start/agent started, remove DIR
#
# start writes DIR/fixture.env (KEY=VALUE lines, no quoting) with:
#   PORT USER TARGET SSHD_PID SSHD_LOG PCT CT_ROOT HOST_FP HOST_FP_ECDSA
#   KNOWN_HOSTS (correct, plain) KNOWN_HOSTS_HASHED KNOWN_HOSTS_ECDSA
#   KNOWN_HOSTS_CHANGED KNOWN_HOSTS_UNKNOWN KNOWN_HOSTS_RSA_ONLY
#   KNOWN_HOSTS_PORT22 KNOWN_HOSTS_REVOKED
#   USER_KEY USER_KEY_ENC PASSPHRASE_FILE PASSPHRASE WRONG_KEY
# agent appends AGENT_SOCK and AGENT_PID.
#
# Exit status 77 when sshd or ssh-keygen is not installed (callers SKIP).
# Only processes this script started are ever signalled, by their pid.
set -eu

cmd=${1:-}
dir=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "sshd_fixture: $*" >&2; exit 1; }

[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|agent|stop DIR"

# $PXM_SSHD, when set, is the only sshd tried (PXM_SSHD=/nonexistent shows the
# SKIP path on a machine that has one).
find_sshd() {
	if [ -n "${PXM_SSHD:-}" ]; then
		[ -x "$PXM_SSHD" ] && echo "$PXM_SSHD"
		return
	fi
	for p in /usr/sbin/sshd /usr/local/sbin/sshd /sbin/sshd; do
		[ -x "$p" ] && { echo "$p"; return 0; }
	done
	command -v sshd 2>/dev/null || return 1
}

random_port() {
	# 20000..59999
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((20000 + n % 40000))
}

pubkey() {
	# "type base64" of a .pub file, without the comment
	cut -d' ' -f1,2 "$1"
}

start() {
	sshd=$(find_sshd) || { echo "sshd not installed (openssh-server)" >&2; exit 77; }
	command -v ssh-keygen >/dev/null 2>&1 || { echo "ssh-keygen not installed" >&2; exit 77; }
	[ -d "$dir" ] || die "$dir is not a directory"
	dir=$(cd "$dir" && pwd)
	umask 077
	user=$(id -un)

	ssh-keygen -q -t ed25519 -N '' -C fixture-host -f "$dir/ssh_host_ed25519_key"
	ssh-keygen -q -t ecdsa -b 256 -N '' -C fixture-host -f "$dir/ssh_host_ecdsa_key"
	ssh-keygen -q -t ed25519 -N '' -C other-host -f "$dir/other_host_key"
	ssh-keygen -q -t rsa -b 2048 -N '' -C other-rsa -f "$dir/other_rsa_key"
	ssh-keygen -q -t ed25519 -N '' -C fixture-user -f "$dir/id_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C fixture-wrong -f "$dir/id_wrong"
	# A high-entropy passphrase: the secrets canary of the tests.
	pass="pxmcanary$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	printf '%s\n' "$pass" > "$dir/passphrase"
	chmod 600 "$dir/passphrase"
	ssh-keygen -q -t ed25519 -N "$pass" -C fixture-enc -f "$dir/id_enc"

	cat "$dir/id_ed25519.pub" "$dir/id_enc.pub" > "$dir/authorized_keys"

	# The session's HOME: an empty directory, so the login shell does not
	# run the invoking user's dotfiles (bash sources ~/.bashrc under sshd),
	# which could be slow or print into the captured output.
	mkdir -p "$dir/bin" "$dir/ct" "$dir/home"
	cp "$here/pct-standin" "$dir/bin/pct"
	chmod 755 "$dir/bin" "$dir/bin/pct"
	: > "$dir/ct/101.conf"
	: > "$dir/ct/102.conf"
	: > "$dir/ct/invocations.log"
	# sshd runs the session as $user; the CT tree must be reachable.
	chmod 755 "$dir" "$dir/ct"

	if [ "$(id -u)" = 0 ]; then
		# privilege separation directory of Debian's sshd
		mkdir -p /run/sshd
		chmod 755 /run/sshd
	fi

	attempt=0
	while :; do
		attempt=$((attempt + 1))
		[ $attempt -le 20 ] || die "could not start sshd (see $dir/sshd.log)"
		port=$(random_port)
		cat > "$dir/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/ssh_host_ed25519_key
HostKey $dir/ssh_host_ecdsa_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $user
X11Forwarding no
AllowTcpForwarding no
PermitTTY no
LogLevel DEBUG1
MaxStartups 500:30:1000
MaxSessions 50
LoginGraceTime 30
ClientAliveInterval 0
SetEnv PCT_STANDIN_ROOT=$dir/ct HOME=$dir/home
EOF
		: > "$dir/sshd.log"
		"$sshd" -D -E "$dir/sshd.log" -f "$dir/sshd_config" </dev/null >/dev/null 2>&1 &
		pid=$!
		echo "$pid" > "$dir/sshd.launch.pid"
		i=0
		ok=0
		while [ $i -lt 100 ]; do
			if grep -q "Server listening on 127.0.0.1 port $port" "$dir/sshd.log" 2>/dev/null; then
				ok=1
				break
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
			i=$((i + 1))
		done
		[ $ok = 1 ] && break
		ours "$pid" && kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null || true
	done

	hp="[127.0.0.1]:$port"
	printf '%s %s\n' "$hp" "$(pubkey "$dir/ssh_host_ed25519_key.pub")" > "$dir/known_hosts"
	printf '%s %s\n' "$hp" "$(pubkey "$dir/ssh_host_ecdsa_key.pub")" > "$dir/known_hosts.ecdsa"
	# Same host, another key of the same type: a changed host key.
	printf '%s %s\n' "$hp" "$(pubkey "$dir/other_host_key.pub")" > "$dir/known_hosts.changed"
	# Only other hosts: this one is unknown.
	{
		printf '%s %s\n' "[127.0.0.2]:$port" "$(pubkey "$dir/ssh_host_ed25519_key.pub")"
		printf '%s %s\n' "pve.example.com" "$(pubkey "$dir/other_host_key.pub")"
	} > "$dir/known_hosts.unknown"
	# Known, but with a key type the server does not offer.
	printf '%s %s\n' "$hp" "$(pubkey "$dir/other_rsa_key.pub")" > "$dir/known_hosts.rsa_only"
	# The right key, but filed under the bare host (port 22 form).
	printf '%s %s\n' "127.0.0.1" "$(pubkey "$dir/ssh_host_ed25519_key.pub")" > "$dir/known_hosts.port22"
	# The right key, and a @revoked line for it.
	{
		cat "$dir/known_hosts"
		printf '@revoked * %s\n' "$(pubkey "$dir/ssh_host_ed25519_key.pub")"
	} > "$dir/known_hosts.revoked"
	cp "$dir/known_hosts" "$dir/known_hosts.hashed"
	ssh-keygen -q -H -f "$dir/known_hosts.hashed" >/dev/null 2>&1
	rm -f "$dir/known_hosts.hashed.old"
	chmod 600 "$dir"/known_hosts*

	cat > "$dir/fixture.env" <<EOF
PORT=$port
USER=$user
TARGET=$user@127.0.0.1:$port
SSHD_PID=$pid
SSHD_LOG=$dir/sshd.log
PCT=$dir/bin/pct
CT_ROOT=$dir/ct
HOST_FP=$(ssh-keygen -l -E sha256 -f "$dir/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
HOST_FP_ECDSA=$(ssh-keygen -l -E sha256 -f "$dir/ssh_host_ecdsa_key.pub" | cut -d' ' -f2)
KNOWN_HOSTS=$dir/known_hosts
KNOWN_HOSTS_HASHED=$dir/known_hosts.hashed
KNOWN_HOSTS_ECDSA=$dir/known_hosts.ecdsa
KNOWN_HOSTS_CHANGED=$dir/known_hosts.changed
KNOWN_HOSTS_UNKNOWN=$dir/known_hosts.unknown
KNOWN_HOSTS_RSA_ONLY=$dir/known_hosts.rsa_only
KNOWN_HOSTS_PORT22=$dir/known_hosts.port22
KNOWN_HOSTS_REVOKED=$dir/known_hosts.revoked
USER_KEY=$dir/id_ed25519
USER_KEY_ENC=$dir/id_enc
PASSPHRASE_FILE=$dir/passphrase
PASSPHRASE=$pass
WRONG_KEY=$dir/id_wrong
EOF
}

agent() {
	[ -f "$dir/fixture.env" ] || die "start the fixture first"
	command -v ssh-agent >/dev/null 2>&1 || { echo "ssh-agent not installed" >&2; exit 77; }
	sock="$dir/agent.sock"
	out=$(ssh-agent -a "$sock" -s) || die "ssh-agent failed"
	apid=$(printf '%s\n' "$out" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
	[ -n "$apid" ] || die "no agent pid"
	echo "$apid" > "$dir/agent.pid"
	SSH_AUTH_SOCK=$sock ssh-add -q "$dir/${3:-id_ed25519}" 2>/dev/null ||
	    SSH_AUTH_SOCK=$sock ssh-add "$dir/${3:-id_ed25519}" >/dev/null 2>&1 || die "ssh-add failed"
	printf 'AGENT_SOCK=%s\nAGENT_PID=%s\n' "$sock" "$apid" >> "$dir/fixture.env"
}

# ours PID: the process still runs with this fixture's directory on its
# command line (so a recycled pid is never signalled).
ours() {
	case $1 in ''|*[!0-9]*) return 1 ;; esac
	tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF "$dir/"
}

# The listener's per-connection processes (ppid = listener): a client that
# died without closing its connection must not leave them behind.
connections() {
	for st in /proc/[0-9]*/stat; do
		pp=$(sed 's/^.*) [A-Za-z] \([0-9]*\) .*$/\1/' "$st" 2>/dev/null) || continue
		if [ "$pp" = "$lp" ]; then
			p=${st#/proc/}
			echo "${p%/stat}"
		fi
	done
}

stop() {
	[ -d "$dir" ] || exit 0
	if lp=$(cat "$dir/sshd.launch.pid" 2>/dev/null) && ours "$lp"; then
		for c in $(connections); do
			kill "$c" 2>/dev/null
		done
	fi
	for f in agent.pid sshd.launch.pid; do
		p=$(cat "$dir/$f" 2>/dev/null) || continue
		ours "$p" && kill "$p" 2>/dev/null
	done
	# Give sshd a moment to exit, so its port and log are released.
	if p=$(cat "$dir/sshd.launch.pid" 2>/dev/null); then
		i=0
		while ours "$p" && [ $i -lt 50 ]; do
			sleep 0.05
			i=$((i + 1))
		done
	fi
	if [ -z "${PXM_KEEP_FIXTURE:-}" ]; then
		rm -rf "$dir"
	else
		echo "sshd_fixture: kept $dir" >&2
	fi
}

case $cmd in
start) start ;;
agent) agent "$@" ;;
stop) stop ;;
*) die "unknown command $cmd" ;;
esac
