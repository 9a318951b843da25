#!/usr/bin/env bash
# Regenerates uvswap's FFM bindings with jextract (JDK 22+ jextract: https://jdk.java.net/jextract/).
#
#   bindings/jextract.sh [OUT_DIR]     default OUT_DIR: bindings/target/jextract
#   JEXTRACT=/path/to/bin/jextract bindings/jextract.sh
#
# The classes under src/main/java are checked in, written by hand in the shape this script's jextract
# output has: the same class names (uvswap_h, userfaultfd_h, libc_h, one class a struct), the same
# method names (NAME() for constants; f(), f$descriptor(), f$handle(), f$address() for functions;
# field(), field(s, v), field$layout(), field$offset(), layout(), sizeof(), allocate(...) for
# structs).  So generate into OUT_DIR and diff, do not overwrite: the checked-in files differ on
# purpose in these ways, which jextract cannot express:
#   - libuvswap is loaded by dev.uvswap.bindings.NativeLibraryLoader (-Duvswap.library.path, else
#     extracted from the uvswap-native jar), lazily, not by SymbolLookup.libraryLookup("uvswap") when
#     uvswap_h is initialized; f$descriptor() does not load it;
#   - libc calls that report through errno are linked with captureCallState("errno") (class Errno);
#   - variadic ioctl/syscall/open are specialized to one shape, not jextract's makeInvoker classes;
#     strerror returns a String; SYS_userfaultfd and O_NOFOLLOW are chosen by os.arch (jextract bakes
#     in the build machine's number);
#   - ioctl numbers (UFFDIO_*) are long, zero-extended (jextract gives int, which sign-extends);
#   - uffd_msg exposes pagefault_flags/_address/_ptid instead of nested union classes;
#   - uvswap_h adds Java twins of uvswap.h's static inline helpers (no symbol to bind).
# LayoutTest checks every layout, offset and constant against gcc, and that the lists below name
# exactly what the checked-in classes bind.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
inc="$here/../native/include"
out=${1:-"$here/target/jextract"}
JEXTRACT=${JEXTRACT:-jextract}
command -v "$JEXTRACT" >/dev/null 2>&1 || {
  echo "jextract.sh: '$JEXTRACT' not found. Get jextract from https://jdk.java.net/jextract/ and set JEXTRACT=/path/to/jextract/bin/jextract." >&2
  exit 1
}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- uvswap.h -------------------------------------------------------------------------------------
uvswap_functions=(
  uvs_abi_version uvs_create uvs_start uvs_destroy uvs_region_add uvs_region_remove uvs_region_resident uvs_region_stall_ns uvs_move_mismatches uvs_evict_refused uvs_group_throttle uvs_group_set uvs_group_pages uvs_region_set_group uvs_set_reclaimer uvs_reclaimer_wait uvs_reclaimer_wake uvs_evict
  uvs_compress uvs_populate uvs_file_attach uvs_file_inject uvs_fault_contexts uvs_server_ring uvs_server_stats
  uvs_sigbus_attach uvs_sigbus_detach uvs_sigbus_counters
  uvs_drain_overflow uvs_wait_drain uvs_quiesce uvs_hist_bucket_floor
  uvs_direct_setup uvs_magazine uvs_group_direct uvs_region_direct uvs_group_direct_pages uvs_group_parked
)
uvswap_structs=(uvs_completion uvs_ring uvs_server_stats uvs_codec uvs_config uvs_cresult uvs_magazine)
uvswap_constants=(
  UVS_PAGE_SHIFT UVS_PAGE_SIZE UVS_CLUSTER_SHIFT UVS_CLUSTER_SLOTS UVS_MAX_SERVERS UVS_MAX_REGIONS UVS_MAX_GROUPS
  UVS_BATCH_MAX UVS_PM_BUSY UVS_PM_EVICTING UVS_PM_THP UVS_EXTENT_PAGES UVS_PM_SHIFT
  UVS_DESC_TAG_BITS UVS_DESC_TAG_MASK
  UVS_TAG_NONE UVS_TAG_ZERO UVS_TAG_ZSWAP UVS_TAG_FILE UVS_TAG_CACHE UVS_TAG_BUSY UVS_TAG_WRITEBACK UVS_TAG_SWAPOFF
  UVS_FMT_RAW UVS_FMT_ZSTD UVS_FMT_LZ4 UVS_FMT_FILL
  UVS_HANDLE_FMT_BITS UVS_HANDLE_LEN_BITS UVS_HANDLE_OFF_SHIFT
  UVS_MAX_FILES UVS_FH_FILE_BITS UVS_FH_FILE_SHIFT UVS_FH_OFF_SHIFT
  UVS_FK_FIRST_TOUCH UVS_FK_ZERO UVS_FK_ZSWAP UVS_FK_FILE UVS_FK_CACHE UVS_FK_STALE
  UVS_FK_THP_FIRST_TOUCH UVS_FK_THP_SWAPIN UVS_FK_NR
  UVS_THP_FB_PRESENT UVS_THP_FB_MIXED UVS_THP_FB_BUSY UVS_THP_FB_BACKEND UVS_THP_FB_ERROR UVS_THP_FB_SCATTERED UVS_THP_FB_LIMIT UVS_THP_FB_NR
  UVS_HIST_SUB_BITS UVS_HIST_BUCKETS UVS_CFG_PIN_SERVERS
  UVS_CR_LOST UVS_CR_ZERO UVS_CR_FILL UVS_CR_ZSTD UVS_CR_LZ4 UVS_CR_RAW
  UVS_CODEC_ZSTD UVS_CODEC_LZ4 UVS_NO_PAGE UVS_ABI_VERSION UVS_REGION_THP UVS_REGION_INTHREAD UVS_REGION_FT_WINDOW UVS_THROTTLE_MAX_NS
  UVS_COMP_STORED UVS_COMP_SPAN UVS_COMP_KIND_MASK UVS_MAG_SLOTS UVS_MAG_SPANS UVS_MAG_WANT UVS_MAG_DRY UVS_SPAN_BYTES
)

# --- <linux/userfaultfd.h> + uvs_uffd.h -----------------------------------------------------------
uffd_structs=(
  uffdio_api uffdio_range uffdio_register uffdio_copy uffdio_zeropage uffdio_move uffdio_writeprotect
  uffdio_poison uffd_msg
)
uffd_constants=(
  UFFD_API UFFD_USER_MODE_ONLY UFFDIO
  _UFFDIO_REGISTER _UFFDIO_UNREGISTER _UFFDIO_WAKE _UFFDIO_COPY _UFFDIO_ZEROPAGE _UFFDIO_MOVE
  _UFFDIO_WRITEPROTECT _UFFDIO_CONTINUE _UFFDIO_POISON _UFFDIO_API
  UFFDIO_API UFFDIO_REGISTER UFFDIO_UNREGISTER UFFDIO_WAKE UFFDIO_COPY UFFDIO_ZEROPAGE UFFDIO_MOVE
  UFFDIO_WRITEPROTECT UFFDIO_POISON
  UFFDIO_REGISTER_MODE_MISSING UFFDIO_REGISTER_MODE_WP UFFDIO_REGISTER_MODE_MINOR
  UFFDIO_COPY_MODE_DONTWAKE UFFDIO_COPY_MODE_WP UFFDIO_ZEROPAGE_MODE_DONTWAKE
  UFFDIO_MOVE_MODE_DONTWAKE UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES
  UFFDIO_WRITEPROTECT_MODE_WP UFFDIO_WRITEPROTECT_MODE_DONTWAKE UFFDIO_POISON_MODE_DONTWAKE
  UFFD_EVENT_PAGEFAULT UFFD_EVENT_FORK UFFD_EVENT_REMAP UFFD_EVENT_REMOVE UFFD_EVENT_UNMAP
  UFFD_PAGEFAULT_FLAG_WRITE UFFD_PAGEFAULT_FLAG_WP UFFD_PAGEFAULT_FLAG_MINOR
  UFFD_FEATURE_PAGEFAULT_FLAG_WP UFFD_FEATURE_EVENT_FORK UFFD_FEATURE_EVENT_REMAP
  UFFD_FEATURE_EVENT_REMOVE UFFD_FEATURE_MISSING_HUGETLBFS UFFD_FEATURE_MISSING_SHMEM
  UFFD_FEATURE_EVENT_UNMAP UFFD_FEATURE_SIGBUS UFFD_FEATURE_THREAD_ID UFFD_FEATURE_MINOR_HUGETLBFS
  UFFD_FEATURE_MINOR_SHMEM UFFD_FEATURE_EXACT_ADDRESS UFFD_FEATURE_WP_HUGETLBFS_SHMEM
  UFFD_FEATURE_WP_UNPOPULATED UFFD_FEATURE_POISON UFFD_FEATURE_WP_ASYNC UFFD_FEATURE_MOVE
)

# --- libc -----------------------------------------------------------------------------------------
libc_functions=(
  mmap munmap madvise mincore ioctl syscall open close read pread pwrite preadv pwritev posix_fadvise
  fallocate ftruncate fdatasync getuid sysconf strerror
)
libc_structs=(iovec)
libc_constants=(
  PROT_NONE PROT_READ PROT_WRITE MAP_SHARED MAP_PRIVATE MAP_FIXED MAP_ANONYMOUS MAP_NORESERVE MAP_FAILED
  MADV_WILLNEED MADV_DONTNEED MADV_DONTFORK MADV_DOFORK MADV_HUGEPAGE MADV_NOHUGEPAGE
  O_RDONLY O_RDWR O_CREAT O_EXCL O_TRUNC O_NONBLOCK O_CLOEXEC O_NOFOLLOW POSIX_FADV_DONTNEED
  FALLOC_FL_KEEP_SIZE FALLOC_FL_PUNCH_HOLE IOV_MAX
  _SC_PAGESIZE _SC_NPROCESSORS_ONLN SYS_userfaultfd
  EPERM ENOENT ESRCH EINTR EIO ENXIO EBADF EAGAIN ENOMEM EFAULT EBUSY EEXIST EINVAL ENOTTY EFBIG ENOSPC
  EROFS ENOSYS EOPNOTSUPP EDQUOT
)

# "--include-function a --include-function b ..." from a kind and a list
includes() { local kind=$1; shift; local n; for n in "$@"; do printf -- '--include-%s\n%s\n' "$kind" "$n"; done; }

run() { echo "+ $JEXTRACT $*" | cut -c1-200 >&2; "$JEXTRACT" "$@"; }

# uvswap.h: -l uvswap makes the header class look the library up by name (the checked-in one uses
# NativeLibraryLoader instead; see above).
mapfile -t args < <(includes function "${uvswap_functions[@]}"; includes struct "${uvswap_structs[@]}";
                    includes constant "${uvswap_constants[@]}")
run --output "$out" --target-package dev.uvswap.bindings.uvswap --header-class-name uvswap_h \
    -l uvswap -I "$inc" "${args[@]}" "$inc/uvswap.h"

# userfaultfd: through uvs_uffd.h, which completes the installed <linux/userfaultfd.h>.
mapfile -t args < <(includes struct "${uffd_structs[@]}"; includes constant "${uffd_constants[@]}")
run --output "$out" --target-package dev.uvswap.bindings.uffd --header-class-name userfaultfd_h \
    -I "$inc" "${args[@]}" "$inc/uvs_uffd.h"

# libc: no -l, the symbols come from the default lookup (libc is already loaded).  <fcntl.h> with
# _GNU_SOURCE brings <linux/falloc.h> (FALLOC_FL_*); IOV_MAX is <limits.h>'s, struct iovec <sys/uio.h>'s.
cat > "$tmp/libc.h" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
EOF
mapfile -t args < <(includes function "${libc_functions[@]}"; includes struct "${libc_structs[@]}";
                    includes constant "${libc_constants[@]}")
run --output "$out" --target-package dev.uvswap.bindings.libc --header-class-name libc_h \
    "${args[@]}" "$tmp/libc.h"

echo "jextract.sh: generated into $out; compare with: diff -r $out $here/src/main/java" >&2
