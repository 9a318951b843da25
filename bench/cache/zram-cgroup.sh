#!/usr/bin/env bash
# zram-cgroup.sh - runs one command inside a memory cgroup whose limit is --limit-mib, with a zram
# swap device (lz4) on, then puts the machine back as it found it (swapoff, reset and remove the
# device, remove the cgroup, take memory back out of subtree_control if we added it).
# The approach is bench/kernel/kernel-baseline.sh's (cgroup v2 if its memory controller is there,
# else the v1 memory hierarchy; zram0 if free, else a device from zram-control/hot_add).
#
#   zram-cgroup.sh --limit-mib L [--swap-mib S] [--codec lz4] -- COMMAND [ARGS...]
#
# Exit status: the command's; 3 when the setup is not possible here (not root, no zram, no memory
# cgroup, swap already active): the reason is printed as "zram: skipped: ...".
set -uo pipefail
PROG=zram
say()  { printf '%s: %s\n' "$PROG" "$*" >&2; }
skip() { say "skipped: $*"; exit 3; }

LIMIT_MIB= SWAP_MIB=2048 CODEC=lz4
while (($#)); do
	case $1 in
	--limit-mib) LIMIT_MIB=$2; shift 2 ;;
	--swap-mib)  SWAP_MIB=$2; shift 2 ;;
	--codec)     CODEC=$2; shift 2 ;;
	--) shift; break ;;
	*) say "unknown option $1"; exit 2 ;;
	esac
done
[[ $LIMIT_MIB =~ ^[1-9][0-9]*$ ]] || { say "--limit-mib wants a positive integer"; exit 2; }
(($#)) || { say "no command given"; exit 2; }

((EUID == 0)) || skip "not root (needs root for a memory cgroup and a zram swap device)"
for tool in swapon swapoff mkswap; do command -v $tool >/dev/null || skip "$tool not found"; done
active=$(awk 'NR > 1 { printf "%s%s", sep, $1; sep = ", " }' /proc/swaps)
[[ -z $active ]] || skip "swap is already active ($active): not ours to touch, and results would mix"

CG_DIR= CG_VER= CG_SUBTREE_ADDED= ZRAM_DEV= ZRAM_ADDED= ZRAM_SWAPON=0 CHILD=
put() { printf '%s' "$2" >"$1" 2>/dev/null || { say "cannot write '$2' to $1"; return 1; }; }

cleanup() {
	local rc=$? pids
	trap '' INT TERM HUP
	if [[ -n $CHILD ]] && kill -0 "$CHILD" 2>/dev/null; then kill -TERM "$CHILD"; sleep 1; kill -KILL "$CHILD" 2>/dev/null; fi
	if [[ -n $CG_DIR && -d $CG_DIR ]]; then
		pids=$(cat "$CG_DIR/cgroup.procs" 2>/dev/null)
		[[ -n $pids ]] && kill -KILL $pids 2>/dev/null && sleep 0.5
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$CG_DIR" 2>/dev/null && break; sleep 0.2; done
		[[ -d $CG_DIR ]] && say "WARNING: could not remove $CG_DIR"
	fi
	[[ -n $CG_SUBTREE_ADDED ]] && put "$CG_SUBTREE_ADDED" -memory
	if [[ -n $ZRAM_DEV ]]; then
		((ZRAM_SWAPON)) && { swapoff "/dev/$ZRAM_DEV" || say "WARNING: swapoff /dev/$ZRAM_DEV failed"; }
		put "/sys/block/$ZRAM_DEV/reset" 1
		[[ -n $ZRAM_ADDED ]] && put /sys/class/zram-control/hot_remove "$ZRAM_ADDED"
		say "$ZRAM_DEV swapped off and reset${ZRAM_ADDED:+, removed}"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The memory cgroup: v2 when its memory controller is at /sys/fs/cgroup, else v1.
if [[ -r /sys/fs/cgroup/cgroup.controllers && " $(</sys/fs/cgroup/cgroup.controllers) " == *" memory "* ]]; then
	CG_VER=2 root=/sys/fs/cgroup
else
	root=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/mounts)
	[[ -n $root && -e $root/memory.limit_in_bytes ]] || skip "no memory cgroup (neither v2 with memory nor a v1 memory hierarchy)"
	CG_VER=1
fi
CG_DIR=$root/uvswap-cache-bench-$$
if ((CG_VER == 2)) && [[ " $(<"$root/cgroup.subtree_control") " != *" memory "* ]]; then
	put "$root/cgroup.subtree_control" +memory || skip "cannot enable the memory controller in $root"
	CG_SUBTREE_ADDED=$root/cgroup.subtree_control
fi
mkdir "$CG_DIR" || { CG_DIR=; skip "cannot create a cgroup under $root"; }
if ((CG_VER == 2)); then
	put "$CG_DIR/memory.max" $((LIMIT_MIB << 20)) || skip "cannot set memory.max"
	[[ -e $CG_DIR/memory.swap.max ]] && { put "$CG_DIR/memory.swap.max" max || skip "cannot set memory.swap.max"; }
else
	put "$CG_DIR/memory.limit_in_bytes" $((LIMIT_MIB << 20)) || skip "cannot set memory.limit_in_bytes"
	put "$CG_DIR/memory.swappiness" 60 || true
fi

# zram: zram0 if it is free, else a new device.
if [[ -e /sys/block/zram0/disksize && $(</sys/block/zram0/disksize) == 0 ]]; then
	ZRAM_DEV=zram0
elif [[ -w /sys/class/zram-control/hot_add ]]; then
	ZRAM_ADDED=$(</sys/class/zram-control/hot_add) && [[ $ZRAM_ADDED =~ ^[0-9]+$ ]] || { ZRAM_ADDED=; skip "zram hot_add failed"; }
	ZRAM_DEV=zram$ZRAM_ADDED
else
	skip "no free zram device and no /sys/class/zram-control (zram not built in or loaded)"
fi
blk=/sys/block/$ZRAM_DEV
for _ in $(seq 50); do [[ -b /dev/$ZRAM_DEV ]] && break; sleep 0.1; done
[[ -b /dev/$ZRAM_DEV ]] || skip "/dev/$ZRAM_DEV did not appear"
if [[ " $(tr -d '[]' <"$blk/comp_algorithm") " != *" $CODEC "* ]]; then
	say "codec $CODEC not offered by zram ($(cat "$blk/comp_algorithm")); using lzo-rle"
	CODEC=lzo-rle
fi
put "$blk/comp_algorithm" "$CODEC" || skip "cannot set comp_algorithm $CODEC"
put "$blk/disksize" "${SWAP_MIB}M" || skip "cannot set disksize"
mkswap "/dev/$ZRAM_DEV" >/dev/null 2>&1 || skip "mkswap /dev/$ZRAM_DEV failed"
ZRAM_SWAPON=1
swapon -p 32767 "/dev/$ZRAM_DEV" || skip "swapon /dev/$ZRAM_DEV failed"
say "swap on /dev/$ZRAM_DEV ($CODEC, $SWAP_MIB MiB); memory cgroup v$CG_VER $CG_DIR limited to $LIMIT_MIB MiB, swap unlimited"

# The child joins the cgroup, then becomes the command; nothing else is moved into it.
bash -c 'echo $$ >"$1" || exit 125; shift; exec "$@"' zram-child "$CG_DIR/cgroup.procs" "$@" &
CHILD=$!
wait "$CHILD"
rc=$?
CHILD=
peak=$CG_DIR/memory.max_usage_in_bytes; ((CG_VER == 2)) && peak=$CG_DIR/memory.peak
[[ -r $peak ]] && say "cgroup peak $(($(<"$peak") >> 20)) MiB; zram mm_stat: $(<"$blk/mm_stat")"
exit $rc
