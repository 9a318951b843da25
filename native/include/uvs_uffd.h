/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uvs_uffd.h - userfaultfd definitions the build machine's headers may lack.
 *
 * The machines run Linux 6.18 but ship linux-libc-dev 6.1, which predates UFFDIO_MOVE (6.8), UFFDIO_POISON (6.6),
 * UFFD_FEATURE_WP_ASYNC and PAGEMAP_SCAN (6.7).  Each definition is guarded, so newer headers
 * win; the runtime trusts the kernel's UFFDIO_API answer, never these numbers alone.
 */
#ifndef UVS_UFFD_H
#define UVS_UFFD_H

#include <linux/types.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY		1
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED	(1 << 13)
#endif
#ifndef UFFD_FEATURE_POISON
#define UFFD_FEATURE_POISON		(1 << 14)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC		(1 << 15)
#endif
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE		(1 << 16)
#endif

#ifndef _UFFDIO_MOVE
#define _UFFDIO_MOVE			(0x05)
struct uffdio_move {
	__u64 dst;
	__u64 src;
	__u64 len;
#define UFFDIO_MOVE_MODE_DONTWAKE		((__u64)1 << 0)
#define UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES	((__u64)1 << 1)
	__u64 mode;
	/* bytes moved, or -errno; written by the kernel */
	__s64 move;
};
#define UFFDIO_MOVE _IOWR(UFFDIO, _UFFDIO_MOVE, struct uffdio_move)
#endif

#ifndef _UFFDIO_POISON
#define _UFFDIO_POISON			(0x08)
struct uffdio_poison {
	struct uffdio_range range;
#define UFFDIO_POISON_MODE_DONTWAKE		((__u64)1 << 0)
	__u64 mode;
	/* bytes poisoned, or -errno; written by the kernel */
	__s64 updated;
};
#define UFFDIO_POISON _IOWR(UFFDIO, _UFFDIO_POISON, struct uffdio_poison)
#endif

#endif /* UVS_UFFD_H */
