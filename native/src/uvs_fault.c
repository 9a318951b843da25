// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_fault.c - the fault servers (FaultServers on the Java side).
 *
 * Plain pthreads that read the userfaultfd and resolve each missing-page fault from the region
 * page map and the slot descriptor.  They never enter the JVM: a JVM thread blocked in a fault
 * cannot reach a safepoint, so anything on this path that waited for Java could stop the
 * whole process at the next GC.  Every wait here is on other C code (a BUSY claim), bounded.
 *
 * Claim order: page-map word first, then the slot descriptor.  Both claims are CAS to a BUSY
 * value; the holder restores or replaces them with a release store.
 */
#include "uvs_internal.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const uint8_t zero_page[UVS_PAGE_SIZE] __attribute__((aligned(UVS_PAGE_SIZE)));

/* Decompression target and file-read page of uvs_populate callers; servers use their own. */
static __thread uint8_t tls_bounce[UVS_PAGE_SIZE] __attribute__((aligned(64)));
static __thread uint8_t tls_fbuf[UVS_PAGE_SIZE] __attribute__((aligned(64)));

void uvs_spin_pause(struct uvs_server_stats *st)
{
	if (st)
		st->busy_spins++;
	sched_yield();
}

/* A write fault gets a private page at once (COPY); a read maps the shared zero page. */
static int install_zero(struct uvs_ctx *ctx, uint64_t addr, int write)
{
	if (write)
		return uvs_uffd_copy(ctx->cfg.uffd, addr, zero_page, UVS_PAGE_SIZE);
	return uvs_uffd_zeropage(ctx->cfg.uffd, addr, UVS_PAGE_SIZE);
}

/* Claim the descriptor: wait out another C holder, never a Java one (Java only CASes). */
static uint64_t claim_desc(_Atomic uint64_t *dw, struct uvs_server_stats *st)
{
	for (;;) {
		/* acquire: the backend the descriptor names (pool bytes, staging page) is complete */
		uint64_t d = atomic_load_explicit(dw, memory_order_acquire);

		if (uvs_desc_tag(d) == UVS_TAG_BUSY) {
			uvs_spin_pause(st);
			continue;
		}
		if (atomic_compare_exchange_strong_explicit(dw, &d, uvs_desc_make(UVS_TAG_BUSY, uvs_desc_tag(d)),
							    memory_order_acquire, memory_order_relaxed))
			return d;
	}
}

static int swap_in(struct uvs_ctx *ctx, uint64_t addr, uint64_t pm, int write, struct uvs_sink *sink,
		   struct uvs_server_stats *st, int *kind)
{
	uint64_t vslot = uvs_pm_to_vslot(pm);
	_Atomic uint64_t *dw = uvs_desc_word(ctx, vslot);
	uint64_t d = claim_desc(dw, st);
	void *bounce = sink->server ? sink->server->bounce : tls_bounce;
	uint64_t moved;
	int err, cause = EIO;

	switch (uvs_desc_tag(d)) {
	case UVS_TAG_ZERO:
		*kind = UVS_FK_ZERO;
		err = install_zero(ctx, addr, write);
		break;
	case UVS_TAG_ZSWAP:
	case UVS_TAG_WRITEBACK:
		*kind = UVS_FK_ZSWAP;
		err = uvs_codec_decompress(ctx, uvs_desc_payload(d), bounce);
		if (!err)
			err = uvs_uffd_copy(ctx->cfg.uffd, addr, bounce, UVS_PAGE_SIZE);
		break;
	case UVS_TAG_FILE:
	case UVS_TAG_SWAPOFF:
		*kind = UVS_FK_FILE;
		err = uvs_file_read(ctx, uvs_desc_payload(d), bounce, sink->server ? sink->server->fbuf : tls_fbuf,
				    &cause);
		if (!err)
			err = uvs_uffd_copy(ctx->cfg.uffd, addr, bounce, UVS_PAGE_SIZE);
		break;
	case UVS_TAG_CACHE:
		*kind = UVS_FK_CACHE;
		err = uvs_uffd_move(ctx->cfg.uffd, addr,
				    (uint64_t)(uintptr_t)uvs_staging_page(ctx, uvs_desc_payload(d)),
				    UVS_PAGE_SIZE, 0, &moved);
		break;
	default:
		/* NONE or a backend this build does not serve: the data is not ours to guess. */
		err = -EUCLEAN;
		break;
	}
	if (err) {
		/* release: the backend is untouched, hand the slot back exactly as it was */
		atomic_store_explicit(dw, d, memory_order_release);
		if (err == -EIO && st) {
			st->read_errors++;
			st->last_errno = (uint64_t)cause;
		}
		return err;
	}
	/* The slot is empty now (loads are exclusive); Java frees what d names, then the slot. */
	atomic_store_explicit(dw, uvs_desc_make(UVS_TAG_NONE, 0), memory_order_release);
	uvs_sink_push(ctx, sink, vslot, d);
	return 0;
}

/*
 * Serve one missing page.  Returns 0 when the page is present afterwards (installed by us, or
 * found present: a stale message), or -errno with the page map and descriptor unchanged.
 */
int uvs_resolve_page(struct uvs_ctx *ctx, struct uvs_region *r, uint64_t addr, int write,
		     struct uvs_sink *sink, struct uvs_server_stats *st, int *kind)
{
	_Atomic uint64_t *pm = uvs_atomic64(&r->pagemap[(addr - r->base) >> UVS_PAGE_SHIFT]);
	uint64_t w;
	int err;

	for (;;) {
		/* acquire: a slot named here has its descriptor published (uvs_evict's release) */
		w = atomic_load_explicit(pm, memory_order_acquire);
		if (uvs_pm_busy(w)) {
			uvs_spin_pause(st);
			continue;
		}
		/* acquire on success: we own the page's residency until our release store below */
		if (atomic_compare_exchange_weak_explicit(pm, &w, w | UVS_PM_BUSY,
							  memory_order_acquire, memory_order_relaxed))
			break;
	}
	/* Counted before the install wakes the toucher, so it never reads a count without its page. */
	atomic_fetch_add_explicit(&r->resident, 1, memory_order_relaxed);
	if (w == 0) {
		*kind = UVS_FK_FIRST_TOUCH;
		err = install_zero(ctx, addr, write);
	} else {
		err = swap_in(ctx, addr, w, write, sink, st, kind);
	}
	/* release: the page is present (or untouched on error) before evictors may claim it */
	atomic_store_explicit(pm, err ? w : 0, memory_order_release);
	if (err)
		atomic_fetch_sub_explicit(&r->resident, 1, memory_order_relaxed);
	if (err == -EEXIST) {
		/* Present already: a duplicate message, or a kernel-mode access that raced us. */
		*kind = UVS_FK_STALE;
		if (st)
			st->wakes++;
		return uvs_uffd_wake(ctx->cfg.uffd, addr, UVS_PAGE_SIZE);
	}
	return err;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#define READAHEAD_PAGES 16

/*
 * After a 4 KiB swap-in that continues the previous one, swap in the next pages that are still
 * out too, before they are touched: a sequential reader of an extent that cannot come back as
 * a huge page then faults once per READAHEAD_PAGES + 1 pages.  Only swapped-out, unclaimed
 * words are taken; never-touched pages are left to their first touch.
 */
static void swap_readahead(struct uvs_server *s, struct uvs_region *r, uint64_t addr, int kind,
			   int sequential, struct uvs_sink *sink)
{
	uint64_t page = (addr - r->base) >> UVS_PAGE_SHIFT;
	uint64_t pages = (atomic_load_explicit(&r->end, memory_order_relaxed) - r->base) >> UVS_PAGE_SHIFT;
	uint64_t p = page + 1;

	if (!sequential || (kind != UVS_FK_ZSWAP && kind != UVS_FK_ZERO && kind != UVS_FK_CACHE && kind != UVS_FK_FILE))
		return;
	for (; p < pages && p <= page + READAHEAD_PAGES; p++) {
		/* acquire: pairs with the release that published the slot */
		uint64_t w = atomic_load_explicit(uvs_atomic64(&r->pagemap[p]), memory_order_acquire);
		int k;

		if (w == 0 || uvs_pm_busy(w))
			break;
		if (uvs_resolve_page(s->ctx, r, r->base + (p << UVS_PAGE_SHIFT), 0, sink, s->stats, &k) || k == UVS_FK_STALE)
			break;
		s->stats->readahead++;
	}
	atomic_store_explicit(&r->ra_next, p, memory_order_relaxed);
}

/*
 * Whether a fault on @addr continues a sequential reader, noted before the page is installed:
 * per region, not per server (a reader's consecutive faults go to any server), and before the
 * wake-up, so the reader's next fault, served meanwhile by another server, sees this one.
 */
static int note_sequential(struct uvs_region *r, uint64_t addr)
{
	uint64_t page = (addr - r->base) >> UVS_PAGE_SHIFT;
	uint64_t expected = atomic_exchange_explicit(&r->ra_next, page + 1, memory_order_relaxed);

	return expected == page;
}

/* A fault in the staging area means a bug; map zeroes so the toucher cannot hang. */
static void serve_stray(struct uvs_ctx *ctx, struct uvs_server *s, uint64_t addr)
{
	int err = uvs_uffd_zeropage(ctx->cfg.uffd, addr, UVS_PAGE_SIZE);

	if (err == -EEXIST)
		err = uvs_uffd_wake(ctx->cfg.uffd, addr, UVS_PAGE_SIZE);
	uvs_stats_error(s->stats, err ? err : ESRCH);
}

/*
 * The page's data cannot be read (a swap-file I/O error, or stored bytes that do not decode):
 * never map wrong bytes and never leave the toucher hanging.  Poison the address, so the
 * access raises SIGBUS (the JVM turns one inside a memory-segment access into an
 * InternalError); slot and page map keep naming the data, and the region's close frees it.
 */
static int poison(struct uvs_server *s, uint64_t addr)
{
	int err = uvs_uffd_poison(s->ctx->cfg.uffd, addr, UVS_PAGE_SIZE);

	if (err == -EEXIST)
		err = uvs_uffd_wake(s->ctx->cfg.uffd, addr, UVS_PAGE_SIZE);
	if (!err)
		s->stats->poisoned++;
	return err;
}

/* t0: when the fault was read, so a throttled fault's wait counts as its group's stall. */
static void serve_fault(struct uvs_server *s, const struct uffd_msg *msg, uint64_t t0)
{
	struct uvs_ctx *ctx = s->ctx;
	uint64_t addr = msg->arg.pagefault.address & UVS_PAGE_MASK;
	int write = (msg->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE) != 0;
	struct uvs_sink sink = { .server = s };
	long backoff = 1;
	int kind = UVS_FK_STALE;
	struct uvs_region *r = NULL;
	uint64_t ns;

	if (uvs_in_staging(ctx, addr)) {
		serve_stray(ctx, s, addr);
		return;
	}
	for (;;) {
		r = uvs_region_of_addr(ctx, addr);

		/* Gone: the region was unregistered (which woke its waiters) and is being removed. */
		if (!r || atomic_load_explicit(&ctx->stopping, memory_order_relaxed))
			return;
		if (uvs_thp_serve(s, r, addr, &kind))
			break;
		int sequential = note_sequential(r, addr);
		int err = uvs_resolve_page(ctx, r, addr, write, &sink, s->stats, &kind);
		if (!err) {
			swap_readahead(s, r, addr, kind, sequential, &sink);
			break;
		}
		if (err == -EIO && !poison(s, addr))
			break;
		/*
		 * Nothing was changed, the data is where it was.  Retry rather than map wrong bytes:
		 * ENOMEM passes, and a region being closed disappears from the table.
		 */
		uvs_stats_error(s->stats, err);
		sleep_ms(backoff);
		if (backoff < 100)
			backoff *= 2;
	}
	ns = uvs_now_ns() - t0;
	uvs_stats_record(s->stats, kind, ns);
	/* a thread of the region waited this long: its group's pressure (PSI "some") */
	if (r)
		atomic_fetch_add_explicit(&r->stall_ns, ns, memory_order_relaxed);
}

static void pin_to_cpu(struct uvs_server *s)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(s->id % s->ctx->nr_cpus, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

#define MSG_BATCH 16

/*
 * Faults of throttled regions a server has set aside.  A full list serves the oldest at once:
 * a server never sleeps on a throttle, so the other regions' faults are never held up by it.
 */
#define DEFER_MAX	64
#define THROTTLE_TICK_NS	50000	/* how often set-aside faults look at their throttle again */
/* How long a server trusts what it saw of a lapsed lease's renewer: runnable, or stopped. */
#define RENEWER_RUNNABLE_NS	1000000
#define RENEWER_STOPPED_NS	100000

struct deferred {
	struct uffd_msg msg[DEFER_MAX];
	uint64_t since[DEFER_MAX];
	int n;
	/* the renewer of a lapsed lease last looked at, when, and whether it was runnable */
	pid_t renewer;
	uint64_t renewer_at;
	int renewer_runnable;
};

/* Whether thread @tid of this process is running or waiting for a CPU ('R' in its stat). */
static int thread_runnable(pid_t tid)
{
	char path[64], buf[256];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* gone: nothing will renew */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* "tid (comm) S ...": comm may hold anything, the fields after it are numbers */
	return p && p[1] == ' ' && p[2] == 'R';
}

/*
 * A lapsed lease still holds while its renewer is runnable.  The lease lapses so that a hold never
 * waits on a JVM that waits on it: at a safepoint or in a GC the reclaimer is blocked (S).  On a
 * loaded machine it is only descheduled or slow, a batch taking tens of ms: that is no reason to
 * let a group run past its max.  A server looks again after RENEWER_RUNNABLE_NS, so a reclaimer
 * that stops is seen within a millisecond, and after RENEWER_STOPPED_NS, so one that resumes (a
 * safepoint ended) holds again before a writer gets far; /proc is read only while a lease lapsed.
 */
static int renewer_runnable(struct deferred *d, pid_t tid, uint64_t now)
{
	uint64_t trust = d->renewer_runnable ? RENEWER_RUNNABLE_NS : RENEWER_STOPPED_NS;

	if (tid != d->renewer || now - d->renewer_at >= trust) {
		d->renewer = tid;
		d->renewer_at = now;
		d->renewer_runnable = tid > 0 && thread_runnable(tid);
	}
	return d->renewer_runnable;
}

/*
 * Still to be held: its region's throttle lease runs, or lapsed while its renewer is runnable,
 * and the fault has not waited its most.  Under seq.
 */
static int held(struct uvs_ctx *ctx, struct deferred *d, const struct uffd_msg *msg, uint64_t since,
		uint64_t now)
{
	struct uvs_region *r = uvs_region_of_addr(ctx, msg->arg.pagefault.address);
	int64_t until;

	if (!r)
		return 0;
	until = atomic_load_explicit(&r->throttle_until, memory_order_acquire);
	if (until <= 0 || now - since >= UVS_THROTTLE_MAX_NS)
		return 0;
	return now < (uint64_t)until ||
	       renewer_runnable(d, atomic_load_explicit(&r->throttle_tid, memory_order_relaxed), now);
}

static void take_fault(struct uvs_server *s, struct deferred *d, const struct uffd_msg *msg, uint64_t now)
{
	if (d->n < DEFER_MAX && held(s->ctx, d, msg, now, now)) {
		d->msg[d->n] = *msg;
		d->since[d->n++] = now;
		return;
	}
	serve_fault(s, msg, now);
}

/* Serve the set-aside faults whose throttle was lifted or whose lease or wait ran out, in order. */
static void retry_deferred(struct uvs_server *s, struct deferred *d)
{
	uint64_t now = uvs_now_ns();
	int kept = 0;

	for (int i = 0; i < d->n; i++) {
		if (held(s->ctx, d, &d->msg[i], d->since[i], now)) {
			d->msg[kept] = d->msg[i];
			d->since[kept++] = d->since[i];
			continue;
		}
		serve_fault(s, &d->msg[i], d->since[i]);
	}
	d->n = kept;
}

static void *server_main(void *arg)
{
	struct uvs_server *s = arg;
	struct uvs_ctx *ctx = s->ctx;
	struct pollfd pfd[2] = {
		{ .fd = ctx->cfg.uffd, .events = POLLIN },
		{ .fd = ctx->stop_fd, .events = POLLIN },
	};
	const struct timespec tick = { .tv_nsec = THROTTLE_TICK_NS };
	struct uffd_msg msgs[MSG_BATCH];
	struct deferred deferred = { .n = 0 };
	struct deferred *d = &deferred;

	if (ctx->cfg.flags & UVS_CFG_PIN_SERVERS)
		pin_to_cpu(s);
	for (;;) {
		if (ppoll(pfd, 2, d->n ? &tick : NULL, NULL) < 0) {
			if (errno != EINTR)
				uvs_stats_error(s->stats, errno);
			continue;
		}
		if (pfd[1].revents)
			break;
		ssize_t n = pfd[0].revents ? read(ctx->cfg.uffd, msgs, sizeof(msgs)) : 0;
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				uvs_stats_error(s->stats, errno);
				sleep_ms(1);
			}
			n = 0;
		}
		if (n == 0 && d->n == 0)
			continue;
		if (n > 0)
			s->stats->reads++;
		/* seq_cst: pairs with uvs_region_remove's store of end and load of seq */
		atomic_fetch_add(&s->seq, 1);
		uint64_t now = uvs_now_ns();
		for (size_t i = 0; i < (size_t)n / sizeof(msgs[0]); i++)
			if (msgs[i].event == UFFD_EVENT_PAGEFAULT)
				take_fault(s, d, &msgs[i], now);
		if (d->n)
			retry_deferred(s, d);
		atomic_fetch_add(&s->seq, 1);
	}
	return NULL;
}

int uvs_servers_start(struct uvs_ctx *ctx)
{
	sigset_t all, old;
	int err = 0;

	/* Async signals belong to JVM threads: HotSpot's handlers expect to run on one of them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < ctx->cfg.nr_servers; i++) {
		struct uvs_server *s = &ctx->servers[i];

		err = -pthread_create(&s->thread, NULL, server_main, s);
		if (err)
			break;
		s->started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

void uvs_servers_stop(struct uvs_ctx *ctx)
{
	uint64_t one = 1;

	atomic_store_explicit(&ctx->stopping, 1, memory_order_relaxed);
	if (write(ctx->stop_fd, &one, sizeof(one)) < 0)
		return;
	for (int i = 0; i < ctx->cfg.nr_servers; i++) {
		if (ctx->servers[i].started)
			pthread_join(ctx->servers[i].thread, NULL);
		ctx->servers[i].started = 0;
	}
}
