#!/usr/bin/env bash
# kernel-baseline.sh - the kernel's swap under the same usemem/memhog workloads uvswap runs.
#
# Sets up kernel swap (zram, or a swap file behind zswap), runs bench/native/usemem for each
# workload combo inside a memory cgroup limited to the resident budget uvswap gets, appends
# the CSV rows to --out, and puts the machine back as it found it (trap on EXIT/INT/TERM/HUP).
# See bench/kernel/README.md.
#
#   kernel-baseline.sh --budget-mib B --usemem PATH --out FILE.csv
#       [--backends zram,zswap] [--rounds R] [--zram-codec lz4] [--zswap-codec lzo-rle]
#       [--swap-dir DIR] COMBO...
#
# COMBO is pattern:order:threads:ratio (e.g. usemem:seq:1:1.75 heap:rand:2:3); the run's size
# is round(B * ratio) MiB rounded down to a multiple of 2.
#
# Exit status: 0 when every run passed or a backend was skipped (not root, something missing,
# swap already active), 1 when a usemem run failed (mismatching words, killed, ...), 2 on a
# usage error. Messages go to stderr; only --out receives rows.

set -uo pipefail

# The script runs as two processes. This one (the supervisor) only waits and relays signals;
# the worker, the same script again, does everything. bash 5.2 can drop a trap that fires while
# it is parsing a $(...) (the trap's action fails to parse with "unexpected EOF while looking
# for matching `)'", and the signal is lost), so the supervisor, which never parses anything
# once it waits, re-sends SIGTERM every second until the worker has cleaned up and exited.
if [[ -z ${UVSWAP_KB_SUPERVISOR-} ]]; then
	UVSWAP_KB_SUPERVISOR=$$ "$BASH" "${BASH_SOURCE[0]}" "$@" &
	kb_worker=$!
	kb_signal=
	kb_forward() {
		[[ -n $kb_signal ]] || printf 'kernel baseline: SIG%s, stopping (the worker cleans up)\n' "$1" >&2
		kb_signal=$1
		kill -TERM "$kb_worker" 2>/dev/null
	}
	trap 'kb_forward INT' INT
	trap 'kb_forward TERM' TERM
	trap 'kb_forward HUP' HUP
	while :; do
		wait "$kb_worker"
		kb_rc=$?
		if ! kill -0 "$kb_worker" 2>/dev/null; then
			# Gone. If that wait was cut short by a signal, the real status is still to be had.
			wait "$kb_worker" 2>/dev/null
			kb_rc2=$?
			[[ $kb_rc2 == 127 ]] || kb_rc=$kb_rc2
			break
		fi
		sleep 1
		kill -0 "$kb_worker" 2>/dev/null && kill -TERM "$kb_worker" 2>/dev/null
	done
	exit "$kb_rc"
fi
# The worker: started in the background, so SIGINT is ignored here (the supervisor turns it
# into SIGTERM); SIGPIPE too, so that a reader going away cannot kill it before it cleans up.
trap '' PIPE

readonly PROG="kernel baseline"
readonly SWAP_PRIO=32767

say()  { printf '%s: %s\n' "$PROG" "$*" >&2; }
skip() { printf '%s: %s skipped: %s\n' "$PROG" "$1" "$2" >&2; }
usage() {
	[[ $# -gt 0 ]] && say "$*"
	cat >&2 <<'EOF'
usage: kernel-baseline.sh --budget-mib B --usemem PATH --out FILE.csv
           [--backends zram,zswap] [--rounds R] [--zram-codec lz4] [--zswap-codec lzo-rle]
           [--swap-dir DIR] [--huge] COMBO...
       --huge: usemem maps its memory MADV_HUGEPAGE (2 MiB THP); rows are labelled BACKEND-thp
       COMBO = pattern:order:threads:ratio, pattern usemem|memhog|heap, order seq|rand
EOF
	exit 2
}

# ---------------------------------------------------------------------------------------------
# Arguments

BUDGET_MIB= USEMEM= OUT= BACKENDS_ARG=zram,zswap ROUNDS=1
ZRAM_CODEC=lz4 ZSWAP_CODEC=lzo-rle SWAP_DIR=.
COMBOS=() HUGE=()

while (($#)); do
	opt=$1
	val=
	case $opt in
	--*=*) val=${opt#*=}; opt=${opt%%=*}; shift ;;
	--budget-mib|--usemem|--out|--backends|--rounds|--zram-codec|--zswap-codec|--swap-dir)
		[[ $# -ge 2 ]] || usage "$opt needs a value"
		val=$2; shift 2 ;;
	-h|--help) usage ;;
	--huge) HUGE=(--huge); shift; continue ;;
	--) shift; COMBOS+=("$@"); break ;;
	-*) usage "unknown option $opt" ;;
	*) COMBOS+=("$opt"); shift; continue ;;
	esac
	case $opt in
	--budget-mib)  BUDGET_MIB=$val ;;
	--usemem)      USEMEM=$val ;;
	--out)         OUT=$val ;;
	--backends)    BACKENDS_ARG=$val ;;
	--rounds)      ROUNDS=$val ;;
	--zram-codec)  ZRAM_CODEC=$val ;;
	--zswap-codec) ZSWAP_CODEC=$val ;;
	--swap-dir)    SWAP_DIR=$val ;;
	*) usage "unknown option $opt" ;;
	esac
done

[[ $BUDGET_MIB =~ ^[1-9][0-9]*$ ]] || usage "--budget-mib wants a positive integer (MiB), got '$BUDGET_MIB'"
[[ -n $USEMEM ]] || usage "--usemem is required"
[[ -n $OUT ]] || usage "--out is required"
[[ -d $(dirname -- "$OUT") ]] || usage "--out: directory of '$OUT' does not exist"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || usage "--rounds wants a positive integer, got '$ROUNDS'"
[[ $ZRAM_CODEC =~ ^[A-Za-z0-9_-]+$ ]] || usage "--zram-codec: bad codec name '$ZRAM_CODEC'"
[[ $ZSWAP_CODEC =~ ^[A-Za-z0-9_-]+$ ]] || usage "--zswap-codec: bad codec name '$ZSWAP_CODEC'"
((${#COMBOS[@]})) || usage "no COMBO given"

BACKENDS=()
IFS=, read -r -a _req <<<"$BACKENDS_ARG"
for b in "${_req[@]}"; do
	case $b in
	zram|zswap) [[ " ${BACKENDS[*]} " == *" $b "* ]] || BACKENDS+=("$b") ;;
	*) usage "--backends: unknown backend '$b' (want zram, zswap)" ;;
	esac
done
((${#BACKENDS[@]})) || usage "--backends is empty"

# Parsed combos: parallel arrays.
C_PAT=() C_ORD=() C_THR=() C_RATIO=() C_SIZE=()
MAX_SIZE=0
for c in "${COMBOS[@]}"; do
	[[ $c =~ ^(usemem|memhog|heap):(seq|rand):([1-9][0-9]*):([0-9]+(\.[0-9]+)?|\.[0-9]+)$ ]] ||
		usage "bad COMBO '$c' (want pattern:order:threads:ratio, e.g. heap:rand:2:3)"
	size=$(awk -v b="$BUDGET_MIB" -v r="${BASH_REMATCH[4]}" \
		'BEGIN { s = int(b * r + 0.5); s -= s % 2; print s }')
	((size >= 2)) || usage "COMBO '$c': ${BUDGET_MIB} MiB x ${BASH_REMATCH[4]} is under 2 MiB"
	((BASH_REMATCH[3] <= size * 256)) || usage "COMBO '$c': more threads than pages"
	C_PAT+=("${BASH_REMATCH[1]}") C_ORD+=("${BASH_REMATCH[2]}") C_THR+=("${BASH_REMATCH[3]}")
	C_RATIO+=("${BASH_REMATCH[4]}") C_SIZE+=("$size")
	((size > MAX_SIZE)) && MAX_SIZE=$size
done
readonly SWAP_MIB=$((2 * MAX_SIZE + 64))

# Why a backend needs root, for the skip line.
needs_what() {
	case $1 in
	zram)  echo "a memory cgroup and zram swap" ;;
	zswap) echo "a memory cgroup, a swap file and the zswap parameters" ;;
	esac
}

skip_all() {	# reason, printed once per backend
	local b
	for b in "${BACKENDS[@]}"; do skip "$b" "$1"; done
	exit 0
}

# A missing workload binary (bench/native not built, e.g. no gcc) is a missing piece, not a usage error.
if [[ ! -f $USEMEM || ! -x $USEMEM ]]; then
	skip_all "usemem binary '$USEMEM' is missing or not executable (built by bench/native/Makefile)"
fi

if ((EUID != 0)); then
	for b in "${BACKENDS[@]}"; do
		skip "$b" "not root (needs root to set up $(needs_what "$b"))"
	done
	exit 0
fi

for tool in swapon swapoff mkswap awk; do
	command -v "$tool" >/dev/null || skip_all "$tool not found"
done

# Another swap being active would mix its results into ours, and it is not ours to turn off.
active_swap=$(awk 'NR > 1 { printf "%s%s (%s, %d MiB)", sep, $1, $2, $3 / 1024; sep = ", " }' /proc/swaps)
if [[ -n $active_swap ]]; then
	say "WARNING: swap is already active: $active_swap; not touching this machine's swap"
	skip_all "swap already active ($active_swap), results would mix"
fi

# ---------------------------------------------------------------------------------------------
# State: everything set up so far, so that cleanup undoes exactly that (and is idempotent).
# Each flag is raised before its step runs (a signal can land right after the step), and the
# teardown looks at the machine (/proc/swaps, the cgroup directory) before undoing a step.

CG_VER=  CG_DIR=  CG_CREATED=0  CG_SUBTREE_ADDED=
CHILD_PID=
ZRAM_DEV=  ZRAM_ADDED_ID=  ZRAM_TOUCHED=0  ZRAM_SWAPON=0  ZRAM_ORIG_ALG=
SWAPFILE=  SWAPFILE_CREATED=0  SWAPFILE_ON=0
ZSWAP_PARAMS=/sys/module/zswap/parameters
declare -A ZSWAP_SAVED=()
ZSWAP_SAVED_ORDER=()
CLEANED=0
FAILED=0

# Writes a value to a sysfs/cgroupfs/procfs file; on failure says what failed and returns 1.
put() {	# file value
	local err
	if ! err=$( { printf '%s' "$2" >"$1"; } 2>&1 ); then
		say "cannot write '$2' to $1: ${err##*: }"
		return 1
	fi
}

swap_active() { awk -v f="$1" 'NR > 1 && $1 == f { found = 1 } END { exit !found }' /proc/swaps; }

stop_child() {
	[[ -n $CHILD_PID ]] || return 0
	if kill -0 "$CHILD_PID" 2>/dev/null; then
		say "stopping usemem (pid $CHILD_PID)"
		kill -TERM "$CHILD_PID" 2>/dev/null
		local i
		for ((i = 0; i < 50; i++)); do
			kill -0 "$CHILD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$CHILD_PID" 2>/dev/null && kill -KILL "$CHILD_PID" 2>/dev/null
	fi
	wait "$CHILD_PID" 2>/dev/null
	CHILD_PID=
}

zswap_set() {	# param value; saves the old value the first time
	local f=$ZSWAP_PARAMS/$1 old
	if [[ -z ${ZSWAP_SAVED[$1]+set} ]]; then
		old=$(<"$f") || { say "cannot read $f"; return 1; }
		ZSWAP_SAVED[$1]=$old
		ZSWAP_SAVED_ORDER+=("$1")
	fi
	put "$f" "$2"
}

zswap_restore() {
	local p v ok=1
	((${#ZSWAP_SAVED_ORDER[@]})) || return 0
	# Turn zswap off first if it was off, on last if it was on: no pool of ours ever serves.
	if [[ ${ZSWAP_SAVED[enabled]-} == N ]]; then
		put "$ZSWAP_PARAMS/enabled" N || ok=0
	fi
	for p in "${ZSWAP_SAVED_ORDER[@]}"; do
		[[ $p == enabled ]] && continue
		v=${ZSWAP_SAVED[$p]}
		[[ $(<"$ZSWAP_PARAMS/$p") == "$v" ]] || put "$ZSWAP_PARAMS/$p" "$v" || ok=0
	done
	if [[ -n ${ZSWAP_SAVED[enabled]+set} && ${ZSWAP_SAVED[enabled]} != N ]]; then
		put "$ZSWAP_PARAMS/enabled" "${ZSWAP_SAVED[enabled]}" || ok=0
	fi
	for p in "${ZSWAP_SAVED_ORDER[@]}"; do
		v=$(<"$ZSWAP_PARAMS/$p")
		[[ $v == "${ZSWAP_SAVED[$p]}" ]] || { say "WARNING: zswap $p is '$v', was '${ZSWAP_SAVED[$p]}'"; ok=0; }
	done
	((ok)) && say "zswap parameters restored ($(for p in "${ZSWAP_SAVED_ORDER[@]}"; do printf '%s=%s ' "$p" "${ZSWAP_SAVED[$p]}"; done | sed 's/ $//'))"
	ZSWAP_SAVED=() ZSWAP_SAVED_ORDER=()
}

teardown_zram() {
	local blk
	[[ -z $ZRAM_DEV && -n $ZRAM_ADDED_ID ]] && ZRAM_DEV=zram$ZRAM_ADDED_ID
	[[ -n $ZRAM_DEV ]] || return 0
	blk=/sys/block/$ZRAM_DEV
	if ((ZRAM_SWAPON)) && swap_active "/dev/$ZRAM_DEV"; then
		swapoff "/dev/$ZRAM_DEV" || say "WARNING: swapoff /dev/$ZRAM_DEV failed"
	fi
	ZRAM_SWAPON=0
	if ((ZRAM_TOUCHED)); then
		put "$blk/reset" 1 || say "WARNING: could not reset $ZRAM_DEV"
		if [[ -z $ZRAM_ADDED_ID && -n $ZRAM_ORIG_ALG && $(zram_current_alg "$blk") != "$ZRAM_ORIG_ALG" ]]; then
			put "$blk/comp_algorithm" "$ZRAM_ORIG_ALG" ||
				say "WARNING: could not restore $ZRAM_DEV comp_algorithm to $ZRAM_ORIG_ALG"
		fi
		ZRAM_TOUCHED=0
		say "zram: $ZRAM_DEV swapped off and reset (disksize $(<"$blk/disksize"), comp_algorithm $(zram_current_alg "$blk"))"
	fi
	if [[ -n $ZRAM_ADDED_ID ]]; then
		if put /sys/class/zram-control/hot_remove "$ZRAM_ADDED_ID"; then
			say "zram: $ZRAM_DEV removed (hot_remove)"
		else
			say "WARNING: could not hot_remove zram$ZRAM_ADDED_ID"
		fi
		ZRAM_ADDED_ID=
	fi
	ZRAM_DEV=
}

teardown_zswap() {
	if ((SWAPFILE_ON)) && swap_active "$SWAPFILE"; then
		swapoff "$SWAPFILE" || say "WARNING: swapoff $SWAPFILE failed"
	fi
	SWAPFILE_ON=0
	if ((SWAPFILE_CREATED)) && [[ -e $SWAPFILE ]] && swap_active "$SWAPFILE"; then
		say "WARNING: $SWAPFILE is still swapped on; not removing it"
	elif ((SWAPFILE_CREATED)); then
		rm -f -- "$SWAPFILE" || say "WARNING: could not remove $SWAPFILE"
		SWAPFILE_CREATED=0
		say "zswap: swap file $SWAPFILE swapped off and removed"
	fi
	zswap_restore
}

teardown_cgroup() {
	local i pids
	if ((CG_CREATED)) && [[ -d $CG_DIR ]]; then
		# Only our usemem ever joins this cgroup; one that escaped stop_child (a signal between
		# its fork and CHILD_PID=$!) is ended here.
		pids=$(<"$CG_DIR/cgroup.procs")
		if [[ -n $pids ]]; then
			say "stopping what is left in $CG_DIR: $(echo $pids)"
			kill -TERM $pids 2>/dev/null
			sleep 1
			pids=$(<"$CG_DIR/cgroup.procs")
			[[ -n $pids ]] && kill -KILL $pids 2>/dev/null
		fi
		for ((i = 0; i < 50; i++)); do
			rmdir "$CG_DIR" 2>/dev/null && break
			sleep 0.1
		done
		if [[ -d $CG_DIR ]]; then
			say "WARNING: could not remove cgroup $CG_DIR (tasks: $(tr '\n' ' ' <"$CG_DIR/cgroup.procs" 2>/dev/null))"
		else
			CG_CREATED=0
		fi
	fi
	if [[ -n $CG_SUBTREE_ADDED ]]; then
		put "$CG_SUBTREE_ADDED" -memory || say "WARNING: could not take memory back out of $CG_SUBTREE_ADDED"
		CG_SUBTREE_ADDED=
	fi
}

cleanup() {
	local rc=$?
	trap '' INT TERM HUP	# finish cleaning up whatever arrives now
	((CLEANED)) && return
	CLEANED=1
	stop_child
	teardown_zram
	teardown_zswap
	teardown_cgroup
	exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted (SIGINT), cleaning up"; exit 130' INT
trap 'say "terminated (SIGTERM), cleaning up"; exit 143' TERM
trap 'say "hangup (SIGHUP), cleaning up"; exit 129' HUP

# ---------------------------------------------------------------------------------------------
# The memory cgroup

setup_cgroup() {
	local root v1
	if [[ -r /sys/fs/cgroup/cgroup.controllers ]] &&
		[[ " $(</sys/fs/cgroup/cgroup.controllers) " == *" memory "* ]]; then
		CG_VER=2
		root=/sys/fs/cgroup
	else
		v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/mounts)
		if [[ -n $v1 && -e $v1/memory.limit_in_bytes ]]; then
			CG_VER=1
			root=$v1
		else
			say "no memory cgroup: neither cgroup v2 with memory at /sys/fs/cgroup nor a v1 memory hierarchy"
			return 1
		fi
	fi
	CG_DIR=$root/uvswap-bench-$$
	if [[ -e $CG_DIR ]]; then
		say "cgroup $CG_DIR already exists"
		return 1
	fi
	if ((CG_VER == 2)) && [[ " $(<"$root/cgroup.subtree_control") " != *" memory "* ]]; then
		CG_SUBTREE_ADDED=$root/cgroup.subtree_control
		put "$root/cgroup.subtree_control" +memory || { CG_SUBTREE_ADDED=; return 1; }
	fi
	CG_CREATED=1
	mkdir "$CG_DIR" || { CG_CREATED=0; say "cannot create cgroup $CG_DIR"; return 1; }
	if ((CG_VER == 2)); then
		put "$CG_DIR/memory.max" $((BUDGET_MIB * 1048576)) || return 1
		if [[ -e $CG_DIR/memory.swap.max ]]; then
			put "$CG_DIR/memory.swap.max" max || return 1
		fi
	else
		put "$CG_DIR/memory.limit_in_bytes" $((BUDGET_MIB * 1048576)) || return 1
		put "$CG_DIR/memory.swappiness" 60 || return 1
	fi
	say "memory cgroup v$CG_VER $CG_DIR: limit $BUDGET_MIB MiB, swap unlimited"
}

cg_peak_mib() {	# the cgroup's peak charge (v1: since the last reset; v2: since creation)
	local f=$CG_DIR/memory.max_usage_in_bytes
	((CG_VER == 2)) && f=$CG_DIR/memory.peak
	[[ -r $f ]] && echo $(($(<"$f") / 1048576)) || echo "?"
}

cg_oom_kills() {
	local f=$CG_DIR/memory.oom_control
	((CG_VER == 2)) && f=$CG_DIR/memory.events
	awk '$1 == "oom_kill" { print $2; found = 1 } END { if (!found) print 0 }' "$f" 2>/dev/null || echo 0
}

# ---------------------------------------------------------------------------------------------
# zram

zram_current_alg() { sed -n 's/.*\[\([^]]*\)\].*/\1/p' "$1/comp_algorithm"; }

setup_zram() {
	local blk id avail codec i err
	if [[ -e /sys/block/zram0/disksize && $(</sys/block/zram0/disksize) == 0 ]]; then
		ZRAM_DEV=zram0
	elif [[ -w /sys/class/zram-control/hot_add ]]; then
		ZRAM_ADDED_ID=$(</sys/class/zram-control/hot_add)
		[[ $ZRAM_ADDED_ID =~ ^[0-9]+$ ]] || { ZRAM_ADDED_ID=; SKIP_WHY="zram hot_add failed"; return 1; }
		ZRAM_DEV=zram$ZRAM_ADDED_ID
		say "zram: zram0 is in use, added $ZRAM_DEV through zram-control/hot_add"
	elif [[ -e /sys/block/zram0 ]]; then
		SKIP_WHY="zram0 is in use (disksize $(</sys/block/zram0/disksize)) and there is no /sys/class/zram-control to add a device"
		return 1
	else
		SKIP_WHY="no zram: /sys/block/zram0 and /sys/class/zram-control are missing (zram module not loaded; this script does not load modules)"
		return 1
	fi
	blk=/sys/block/$ZRAM_DEV
	for ((i = 0; i < 50; i++)); do [[ -b /dev/$ZRAM_DEV ]] && break; sleep 0.1; done
	[[ -b /dev/$ZRAM_DEV ]] || { SKIP_WHY="/dev/$ZRAM_DEV did not appear"; return 1; }

	ZRAM_ORIG_ALG=$(zram_current_alg "$blk")
	avail=" $(tr -d '[]' <"$blk/comp_algorithm" | xargs) "
	codec=$ZRAM_CODEC
	if [[ $avail != *" $codec "* ]]; then
		if [[ $avail == *" lzo-rle "* ]]; then
			say "zram: codec $codec is not in $blk/comp_algorithm (${avail:1:-1}), falling back to lzo-rle"
			codec=lzo-rle
		else
			say "zram: neither $codec nor lzo-rle in $blk/comp_algorithm (${avail:1:-1}), using $ZRAM_ORIG_ALG"
			codec=$ZRAM_ORIG_ALG
		fi
	fi
	ZRAM_TOUCHED=1
	put "$blk/comp_algorithm" "$codec" || { SKIP_WHY="cannot set $ZRAM_DEV comp_algorithm to $codec"; return 1; }
	put "$blk/disksize" "${SWAP_MIB}M" || { SKIP_WHY="cannot set $ZRAM_DEV disksize to ${SWAP_MIB}M"; return 1; }
	err=$(mkswap "/dev/$ZRAM_DEV" 2>&1 >/dev/null) || { SKIP_WHY="mkswap /dev/$ZRAM_DEV failed: $err"; return 1; }
	ZRAM_SWAPON=1
	err=$(swapon -p "$SWAP_PRIO" "/dev/$ZRAM_DEV" 2>&1) || { SKIP_WHY="swapon /dev/$ZRAM_DEV failed: $err"; return 1; }
	CODEC=$codec
	say "zram: swap on /dev/$ZRAM_DEV, $codec, ${SWAP_MIB} MiB, priority $SWAP_PRIO"
}

# ---------------------------------------------------------------------------------------------
# zswap in front of a swap file

setup_zswap() {
	local dir fstype avail codec err
	if [[ ! -w $ZSWAP_PARAMS/enabled || ! -w $ZSWAP_PARAMS/compressor ]]; then
		SKIP_WHY="no zswap: $ZSWAP_PARAMS/enabled and compressor are missing (kernel built without CONFIG_ZSWAP?)"
		return 1
	fi
	command -v fallocate >/dev/null || { SKIP_WHY="fallocate not found"; return 1; }
	dir=$(cd -P -- "$SWAP_DIR" 2>/dev/null && pwd) || { SKIP_WHY="--swap-dir '$SWAP_DIR' is not a directory"; return 1; }
	fstype=$(stat -f -c %T "$dir") || { SKIP_WHY="cannot stat the file system of $dir"; return 1; }
	case $fstype in
	tmpfs|ramfs) SKIP_WHY="$dir is on $fstype (a swap file there would be memory); give --swap-dir on a disk file system"; return 1 ;;
	esac
	avail=$(df -P -m -- "$dir" | awk 'NR == 2 { print $4 }')
	if [[ $avail =~ ^[0-9]+$ ]] && ((avail < SWAP_MIB + 256)); then
		SKIP_WHY="$dir has $avail MiB free, the swap file needs $SWAP_MIB MiB"
		return 1
	fi
	SWAPFILE=$dir/.uvswap-kernel-baseline-$$.swap
	# /proc/swaps escapes blanks and backslashes; keep the name one the teardown can find there.
	[[ $SWAPFILE =~ ^[A-Za-z0-9._/+-]+$ ]] || { SKIP_WHY="swap dir '$dir' has characters other than A-Za-z0-9._/+-"; SWAPFILE=; return 1; }
	[[ -e $SWAPFILE ]] && { SKIP_WHY="$SWAPFILE already exists"; SWAPFILE=; return 1; }

	codec=$ZSWAP_CODEC
	if ! zswap_set compressor "$codec"; then
		say "zswap: compressor $codec is not available to zswap, falling back to lzo"
		codec=lzo
		zswap_set compressor "$codec" || { SKIP_WHY="zswap refused compressor lzo too"; return 1; }
	fi
	zswap_set enabled Y || { SKIP_WHY="cannot enable zswap"; return 1; }
	[[ $(<"$ZSWAP_PARAMS/enabled") == Y ]] || { SKIP_WHY="zswap did not enable (enabled reads $(<"$ZSWAP_PARAMS/enabled"))"; return 1; }

	SWAPFILE_CREATED=1
	err=$(fallocate -l "${SWAP_MIB}MiB" -- "$SWAPFILE" 2>&1) || { SKIP_WHY="fallocate $SWAPFILE failed: $err"; return 1; }
	chmod 600 -- "$SWAPFILE" || { SKIP_WHY="chmod 600 $SWAPFILE failed"; return 1; }
	err=$(mkswap -- "$SWAPFILE" 2>&1 >/dev/null) || { SKIP_WHY="mkswap $SWAPFILE failed: $err"; return 1; }
	SWAPFILE_ON=1
	err=$(swapon -p "$SWAP_PRIO" -- "$SWAPFILE" 2>&1) || { SKIP_WHY="swapon $SWAPFILE failed ($fstype): $err"; return 1; }
	CODEC=$codec
	say "zswap: enabled, compressor $codec, max_pool_percent $(<"$ZSWAP_PARAMS/max_pool_percent"), in front of swap file $SWAPFILE ($fstype, ${SWAP_MIB} MiB, priority $SWAP_PRIO)"
}

# ---------------------------------------------------------------------------------------------
# Runs

count_rows() { if [[ -e $OUT ]]; then grep -c '^kernel,' -- "$OUT"; else echo 0; fi; }

vmstat_get() { awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }' /proc/vmstat; }

run_combo() {	# backend codec index
	local backend=$1 codec=$2 i=$3
	local pat=${C_PAT[i]} ord=${C_ORD[i]} thr=${C_THR[i]} ratio=${C_RATIO[i]} size=${C_SIZE[i]}
	local what="$backend/$codec $pat:$ord:$thr:$ratio"
	local hdr=() rc t0 t1 out0 in0 zout0 zin0 oom0 oom1 rows0 rows1
	[[ -s $OUT ]] || hdr=(--header)

	say "$what: $size MiB in a $BUDGET_MIB MiB cgroup, $ROUNDS round(s)"
	((CG_VER == 1)) && put "$CG_DIR/memory.max_usage_in_bytes" 0 >/dev/null 2>&1
	out0=$(vmstat_get pswpout) in0=$(vmstat_get pswpin) zout0=$(vmstat_get zswpout) zin0=$(vmstat_get zswpin)
	oom0=$(cg_oom_kills)
	rows0=$(count_rows)
	t0=$EPOCHREALTIME

	# The child joins the cgroup, then becomes usemem; nothing else is ever moved into it.
	bash -c 'echo $$ >"$1" || { echo "kernel baseline: cannot join cgroup $1" >&2; exit 125; }; shift; exec "$@"' \
		kernel-baseline-run "$CG_DIR/cgroup.procs" \
		"$USEMEM" --pattern "$pat" --order "$ord" --threads "$thr" --size-mib "$size" \
		--rounds "$ROUNDS" --label "$backend${HUGE:+-thp},$codec,$ratio,$BUDGET_MIB" "${hdr[@]}" "${HUGE[@]}" >>"$OUT" &
	CHILD_PID=$!
	wait "$CHILD_PID" 2>/dev/null	# no "Killed" job notice; the exit status says it below
	rc=$?
	CHILD_PID=
	t1=$EPOCHREALTIME

	oom1=$(cg_oom_kills)
	rows1=$(count_rows)
	say "$what: done in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, exit $rc," \
		"pswpout +$(($(vmstat_get pswpout) - out0)) pswpin +$(($(vmstat_get pswpin) - in0))" \
		"zswpout +$(($(vmstat_get zswpout) - zout0)) zswpin +$(($(vmstat_get zswpin) - zin0)) (pages)," \
		"cgroup peak $(cg_peak_mib) MiB, $((rows1 - rows0)) row(s)"
	if ((rc != 0)); then
		FAILED=1
		if ((oom1 > oom0)); then
			say "$what: FAILED: usemem was killed by the cgroup's OOM killer (oom_kill $oom0 -> $oom1; swap full?)"
		elif ((rc > 128)); then
			say "$what: FAILED: usemem was killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))"
		else
			say "$what: FAILED: usemem exited $rc"
		fi
	fi
}

ROWS_BEFORE=$(count_rows)
if ! setup_cgroup; then
	skip_all "no usable memory cgroup (see above)"
fi

for backend in "${BACKENDS[@]}"; do
	sync
	put /proc/sys/vm/drop_caches 3 || true
	SKIP_WHY= CODEC=
	case $backend in
	zram)
		# zswap in front of zram would make this a zswap run: keep it off for zram.
		if [[ -r $ZSWAP_PARAMS/enabled && $(<"$ZSWAP_PARAMS/enabled") != N ]]; then
			zswap_set enabled N || SKIP_WHY="zswap is enabled and cannot be turned off for the zram run"
		fi
		[[ -z $SKIP_WHY ]] && setup_zram ;;
	zswap)
		setup_zswap ;;
	esac
	if [[ -n $SKIP_WHY ]]; then
		skip "$backend" "$SKIP_WHY"
	else
		for ((i = 0; i < ${#C_PAT[@]}; i++)); do
			if ! kill -0 "$UVSWAP_KB_SUPERVISOR" 2>/dev/null; then
				say "the supervising script (pid $UVSWAP_KB_SUPERVISOR) is gone; stopping"
				exit 143
			fi
			run_combo "$backend" "$CODEC" "$i"
		done
	fi
	case $backend in
	zram)  teardown_zram; zswap_restore ;;
	zswap) teardown_zswap ;;
	esac
done

if ((FAILED)); then
	say "some runs FAILED (see above); $(($(count_rows) - ROWS_BEFORE)) row(s) appended to $OUT"
	exit 1
fi
say "done; $(($(count_rows) - ROWS_BEFORE)) row(s) appended to $OUT"
exit 0
