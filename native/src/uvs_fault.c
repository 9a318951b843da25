// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_fault.c - the fault servers (NativeContext on the Java side).
 *
 * Plain pthreads that read the userfaultfd and resolve each missing-page fault from the region
 * page map and the slot descriptor.  They never enter the JVM: a JVM thread blocked in a fault
 * cannot reach a safepoint, so anything on this path that waited for Java could stop the
 * whole process at the next GC.  Every wait here is on other C code (a BUSY claim), bounded.
 *
 * Each page is served by uvs_resolve_page (uvs_swapin.c); this file reads the faults, holds
 * them while their group is throttled or over its limit, reads ahead, retries and poisons.
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

void uvs_spin_pause(struct uvs_server_stats *st)
{
	if (st)
		st->busy_spins++;
	sched_yield();
}

#define READAHEAD_PAGES 16

/*
 * After a 4 KiB fault that continues the previous one, serve the next pages of the same kind
 * before they are touched: a sequential reader of an extent that cannot come back as a huge
 * page then faults once per READAHEAD_PAGES pages (the window ends on a unit boundary).  After a swap-in, the next swapped-out
 * pages are swapped in.  After a first touch, only in a region that asked for first-touch
 * windows (UVS_REGION_FT_WINDOW: a sequential writer filling a small-page region, the kernel's
 * 64 KiB mTHP in spirit), the next never-touched pages get their zero page the way the fault
 * did; a page present already answers EEXIST and ends the window.  Not by default: a window
 * makes pages resident that the application may never write, as mTHP does, and the kernel's
 * mTHP sizes are off by default too.  Only unclaimed words are taken.
 */
static void fault_ahead(struct uvs_server *s, struct uvs_region *r, uint64_t addr, int kind, int write,
			int sequential, struct uvs_sink *sink)
{
	uint64_t page = (addr - r->base) >> UVS_PAGE_SHIFT;
	uint64_t end = atomic_load_explicit(&r->end, memory_order_relaxed);
	/* 0: the region is being removed (uvs_region_remove waits for us); read nothing past it. */
	uint64_t pages = end ? (end - r->base) >> UVS_PAGE_SHIFT : 0;
	uint64_t p = page + 1;
	int first_touch = kind == UVS_FK_FIRST_TOUCH && (r->flags & UVS_REGION_FT_WINDOW);
	/*
	 * The window ends on a 16-page boundary where that leaves it a page: a reader then faults on
	 * the first page of each compression unit (UVS_UNIT_PAGES), and the run after it takes the
	 * unit's other 15 from the cache the fault just filled, one decode a unit whichever context
	 * serves the next fault.  A reader that starts mid-unit is aligned after its first fault.
	 */
	uint64_t stop = page + READAHEAD_PAGES + 1;

	if ((stop & ~(uint64_t)(UVS_UNIT_PAGES - 1)) > p)
		stop &= ~(uint64_t)(UVS_UNIT_PAGES - 1);
	if (stop > pages)
		stop = pages;

	if (!sequential || (kind != UVS_FK_ZSWAP && kind != UVS_FK_ZERO && kind != UVS_FK_CACHE &&
			    kind != UVS_FK_FILE && !first_touch))
		return;
	while (p < stop) {
		uint64_t w;
		int k;

		/* Pool, zero and packed file pages: one install a run (and one read for its file pages). */
		if (!first_touch && s->ra_buf && !(s->ctx->cfg.flags & UVS_CFG_NO_BATCH_AHEAD)) {
			int file_read;
			uint32_t got = uvs_swapin_ahead(s->ctx, r, p, stop, sink, s->stats, s->ra_buf, s->dctx,
							&s->unit, &file_read);

			if (got) {
				s->stats->readahead += got;
				s->stats->ahead_runs++;
				s->stats->file_ahead_reads += file_read;
				p += got;
				continue;
			}
		}
		/* acquire: pairs with the release that published the slot */
		w = atomic_load_explicit(uvs_atomic64(&r->pagemap[p]), memory_order_acquire);
		if ((w == 0) != first_touch || uvs_pm_busy(w))
			break;
		if (uvs_resolve_page(s->ctx, r, r->base + (p << UVS_PAGE_SHIFT), first_touch && write, sink,
				     s->stats, &k) || k == UVS_FK_STALE)
			break;
		if (first_touch)
			s->stats->first_touch_ahead++;
		else
			s->stats->readahead++;
		p++;
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
static int poison(struct uvs_server *s, struct uvs_region *r, uint64_t addr)
{
	int err = uvs_uffd_poison(r->uffd, addr, UVS_PAGE_SIZE);

	if (err == -EEXIST)
		err = uvs_uffd_wake(r->uffd, addr, UVS_PAGE_SIZE);
	if (!err)
		s->stats->poisoned++;
	return err;
}


/*
 * Serve the missing page at @addr with context @s, on whichever thread runs it: a server, or
 * the faulting thread in uvswap's SIGBUS handler (so everything here is async-signal-safe).
 * Returns the region, or NULL when it is gone (unregistered, which woke its waiters, and being
 * removed) or the servers are stopping.
 */
static struct uvs_region *serve_at(struct uvs_server *s, uint64_t addr, int write, int *kind)
{
	struct uvs_ctx *ctx = s->ctx;
	struct uvs_sink sink = { .server = s };
	long backoff = 1, waited_ms = 0;

	for (;;) {
		struct uvs_region *r = uvs_region_of_addr(ctx, addr);

		if (!r || atomic_load_explicit(&ctx->stopping, memory_order_relaxed))
			return NULL;
		if (uvs_thp_serve(s, r, addr, kind))
			return r;
		int sequential = note_sequential(r, addr);
		int err = uvs_resolve_page(ctx, r, addr, write, &sink, s->stats, kind);
		if (!err) {
			fault_ahead(s, r, addr, *kind, write, sequential, &sink);
			return r;
		}
		if (err == -EIO && !poison(s, r, addr))
			return r;
		/*
		 * The range is no longer registered: its region is being closed (Java unregisters,
		 * which wakes every waiter, before uvs_region_remove, which waits for this batch).  A
		 * message still queued for it, typically a second one for a page served already, has
		 * nothing left to serve, and nothing was changed.
		 */
		if (err == -ENOENT)
			return NULL;
		/*
		 * Nothing was changed, the data is where it was.  Retry what passes (the kernel short
		 * of memory, a page busy for a moment; a region being closed disappears from the
		 * table), but never forever: an error that does not pass would hang the toucher, so
		 * the page is poisoned and the access fails instead.  Slot and page map keep naming
		 * the data.  Only an error that does not pass counts as one: a move refused while
		 * another thread's copy pins the same staging huge page (EBUSY) is expected.
		 */
		int lasting = !uvs_err_transient(err) || waited_ms >= UVS_RETRY_MAX_MS;

		if (lasting)
			uvs_stats_error(s->stats, err);
		if (lasting && !poison(s, r, addr))
			return r;
		uvs_sleep_ms(backoff);
		waited_ms += backoff;
		if (backoff < 100)
			backoff *= 2;
	}
}

/* The fault took @t0..now: count it, and charge the wait to its region's group (PSI "some"). */
static void account(struct uvs_server *s, struct uvs_region *r, int kind, uint64_t t0)
{
	uint64_t ns = uvs_now_ns() - t0;

	uvs_stats_record(s->stats, kind, ns);
	if (r)
		atomic_fetch_add_explicit(&r->stall_ns, ns, memory_order_relaxed);
}

/* t0: when the fault was read, so a throttled fault's wait counts as its group's stall. */
static void serve_fault(struct uvs_server *s, const struct uffd_msg *msg, uint64_t t0)
{
	uint64_t addr = msg->arg.pagefault.address & UVS_PAGE_MASK;
	int write = (msg->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE) != 0;
	int kind = UVS_FK_STALE;
	struct uvs_region *r;

	if (uvs_in_staging(s->ctx, addr)) {
		serve_stray(s->ctx, s, addr);
		return;
	}
	r = serve_at(s, addr, write, &kind);	/* before account() reads kind */
	account(s, r, kind, t0);
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
 * Faults of throttled regions a server has set aside.  With the list full, a new fault is served at once:
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
	struct uvs_renewer_view renewer;
};

/*
 * "/proc/self/task/<tid>/stat" into @path without snprintf: this also runs in the SIGBUS
 * handler, where only async-signal-safe calls may be made.
 */
static void task_stat_path(char *path, pid_t tid)
{
	static const char head[] = "/proc/self/task/";
	char digits[16];
	int n = 0;

	do {
		digits[n++] = (char)('0' + tid % 10);
		tid /= 10;
	} while (tid > 0 && n < (int)sizeof(digits));
	memcpy(path, head, sizeof(head) - 1);
	path += sizeof(head) - 1;
	while (n > 0)
		*path++ = digits[--n];
	memcpy(path, "/stat", sizeof("/stat"));
}

/*
 * Whether thread @tid of this process is at work: running or waiting for a CPU ('R'), or in an
 * uninterruptible wait in the kernel ('D': a page-table lock, I/O), which ends without the JVM.
 * Stopped at a safepoint, in a GC or parked on a Java lock it is 'S'.
 */
static int thread_runnable(pid_t tid)
{
	char path[64], buf[256];
	const char *p;
	ssize_t n;
	int fd;

	task_stat_path(path, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* gone: nothing will renew */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* "tid (comm) S ...": comm may hold anything, the fields after it are numbers */
	return p && p[1] == ' ' && (p[2] == 'R' || p[2] == 'D');
}

/*
 * A lapsed lease still holds while its renewer is runnable.  The lease lapses so that a hold never
 * waits on a JVM that waits on it: at a safepoint or in a GC the reclaimer is blocked (S).  On a
 * loaded machine it is only descheduled or slow, a batch taking tens of ms: that is no reason to
 * let a group run past its max.  A server looks again after RENEWER_RUNNABLE_NS, so a reclaimer
 * that stops is seen within a millisecond, and after RENEWER_STOPPED_NS, so one that resumes (a
 * safepoint ended) holds again before a writer gets far; /proc is read only while a lease lapsed.
 */
static int renewer_runnable(struct uvs_renewer_view *v, pid_t tid, uint64_t now)
{
	uint64_t trust = v->runnable ? RENEWER_RUNNABLE_NS : RENEWER_STOPPED_NS;

	if (tid != v->tid || now - v->at >= trust) {
		v->tid = tid;
		v->at = now;
		v->runnable = tid > 0 && thread_runnable(tid);
	}
	return v->runnable;
}

/*
 * Whether a group above @r holds its subtree's faults (uvs_group_throttle): its lease runs, or
 * lapsed while its renewer is runnable.
 */
static int group_throttled(struct uvs_ctx *ctx, struct uvs_region *r, struct uvs_renewer_view *v, uint64_t now)
{
	int32_t g = atomic_load_explicit(&r->group, memory_order_relaxed);

	for (int depth = 0; g >= 0 && g < UVS_MAX_GROUPS && depth < UVS_GROUP_DEPTH_MAX; depth++) {
		struct uvs_group *grp = &ctx->groups[g];
		/* acquire: pairs with uvs_group_throttle's release; the renewer's tid came before it */
		int64_t until = atomic_load_explicit(&grp->throttle_until, memory_order_acquire);

		if (until > 0 && (now < (uint64_t)until ||
				  renewer_runnable(v, atomic_load_explicit(&grp->throttle_tid, memory_order_relaxed), now)))
			return 1;
		g = atomic_load_explicit(&grp->parent, memory_order_relaxed);
	}
	return 0;
}

/*
 * Whether a fault on region @r that arrived at @since is still held, at most UVS_THROTTLE_MAX_NS:
 * by a group's throttle (its lease runs, or lapsed while its renewer is runnable), or by a
 * group above it past its hold (uvs_group_set), while the reclaimer that makes room is runnable.
 * The group check is what makes memoryMax hold when the reclaimer is slow to notice: the charge
 * is looked at here, before the page is installed, as memcg's try_charge does.
 */
static int throttle_holds(struct uvs_ctx *ctx, struct uvs_region *r, struct uvs_renewer_view *v,
			  uint64_t since, uint64_t now)
{
	if (now - since >= UVS_THROTTLE_MAX_NS)
		return 0;
	if (group_throttled(ctx, r, v, now))
		return 1;
	if (!uvs_group_over(ctx, r))
		return 0;
	/* seq_cst: pairs with uvs_reclaimer_wait's store; a waiting reclaimer is woken, and holds */
	if (atomic_load(&ctx->reclaimer_waiting)) {
		uvs_reclaimer_wake(ctx);
		return 1;
	}
	return renewer_runnable(v, atomic_load_explicit(&ctx->reclaimer_tid, memory_order_relaxed), now);
}

/* A set-aside fault still to be held (see throttle_holds).  Under seq. */
static int held(struct uvs_ctx *ctx, struct deferred *d, const struct uffd_msg *msg, uint64_t since,
		uint64_t now)
{
	struct uvs_region *r = uvs_region_of_addr(ctx, msg->arg.pagefault.address);

	return r && throttle_holds(ctx, r, &d->renewer, since, now);
}

/*
 * An in-thread fault waits out its region's throttle where it is, as a task charging a full
 * memcg waits for reclaim: the faulting thread has nothing else to do.  Under the context's seq.
 */
static void inthread_throttle(struct uvs_server *s, uint64_t addr, uint64_t since)
{
	const struct timespec tick = { .tv_nsec = THROTTLE_TICK_NS };

	for (;;) {
		struct uvs_region *r = uvs_region_of_addr(s->ctx, addr);

		if (!r || !throttle_holds(s->ctx, r, &s->renewer, since, uvs_now_ns()))
			return;
		nanosleep(&tick, NULL);
	}
}

/*
 * Direct reclaim for an in-thread fault about to install: while the context waits for a
 * magazine refill, the faulting thread waits where it is (see still_waits for the cap).  Under
 * the context's seq; the region is looked up again after every wait.
 */
static int inthread_direct(struct uvs_server *s, uint64_t addr, uint64_t since)
{
	const struct timespec tick = { .tv_nsec = THROTTLE_TICK_NS };

	for (;;) {
		struct uvs_region *r = uvs_region_of_addr(s->ctx, addr);
		int rc = r ? uvs_direct_reclaim(s, r, addr) : 0;

		if (rc != -EAGAIN || uvs_now_ns() - since >= UVS_THROTTLE_MAX_NS)
			return rc;
		nanosleep(&tick, NULL);
	}
}

/*
 * Direct reclaim for a fault about to install (uvs_reclaim.c): 1 when it made room, and the
 * fault is served at once; -EAGAIN while its group is over and the context waits for Java to
 * refill its magazine; 0 when the group hold decides as before.
 */
static int reclaimed_for(struct uvs_server *s, const struct uffd_msg *msg)
{
	uint64_t addr = msg->arg.pagefault.address & UVS_PAGE_MASK;
	struct uvs_region *r = uvs_region_of_addr(s->ctx, addr);

	return r ? uvs_direct_reclaim(s, r, addr) : 0;
}

/*
 * Whether a fault that arrived at @since still waits before it installs: for a magazine refill
 * (reclaimed_for said -EAGAIN), at most UVS_THROTTLE_MAX_NS, or for the group hold.  A refill
 * is the drainer's next pass, well under a millisecond on a quiet machine: waiting for it keeps
 * the group at its max where installing would pass it.  The cap is what keeps this from a
 * deadlock when the drainer is stopped at a safepoint that waits for this very fault.
 */
static int still_waits(struct uvs_server *s, struct deferred *d, const struct uffd_msg *msg, uint64_t since,
		       uint64_t now)
{
	int rc = reclaimed_for(s, msg);

	if (rc == 1)
		return 0;
	if (rc == -EAGAIN && now - since < UVS_THROTTLE_MAX_NS)
		return 1;
	return held(s->ctx, d, msg, since, now);
}

static void take_fault(struct uvs_server *s, struct deferred *d, const struct uffd_msg *msg, uint64_t now)
{
	if (d->n < DEFER_MAX && still_waits(s, d, msg, now, now)) {
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
		if (still_waits(s, d, &d->msg[i], d->since[i], now)) {
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
	/* Idle servers look at ctx->stopping this often, in case the stop wake-up was lost. */
	const struct timespec idle = { .tv_sec = 1 };
	struct uffd_msg msgs[MSG_BATCH];
	struct deferred deferred = { .n = 0 };
	struct deferred *d = &deferred;

	if (ctx->cfg.flags & UVS_CFG_PIN_SERVERS)
		pin_to_cpu(s);
	for (;;) {
		if (ppoll(pfd, 2, d->n ? &tick : &idle, NULL) < 0) {
			if (errno != EINTR)
				uvs_stats_error(s->stats, errno);
			continue;
		}
		/* seq_cst: pairs with uvs_servers_stop's store */
		if (pfd[1].revents || atomic_load(&ctx->stopping))
			break;
		ssize_t n = pfd[0].revents ? read(ctx->cfg.uffd, msgs, sizeof(msgs)) : 0;
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				uvs_stats_error(s->stats, errno);
				uvs_sleep_ms(1);
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
		char name[16];	/* the kernel's limit, NUL included: uvswap-fault-63 fits */
		snprintf(name, sizeof(name), "uvswap-fault-%d", i);
		pthread_setname_np(s->thread, name);	/* top -H, jstack, /proc/PID/task/TID/comm */
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

void uvs_servers_stop(struct uvs_ctx *ctx)
{
	uint64_t one = 1;

	/* seq_cst: a server that misses the eventfd still sees this at its next idle tick */
	atomic_store(&ctx->stopping, 1);
	/*
	 * Always join: the context is freed after this, and a server still running would read
	 * freed memory.  If the wake-up cannot be written, the idle tick stops them anyway.
	 */
	while (write(ctx->stop_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	for (int i = 0; i < ctx->cfg.nr_servers; i++) {
		if (ctx->servers[i].started)
			pthread_join(ctx->servers[i].thread, NULL);
		ctx->servers[i].started = 0;
	}
}

/*
 * An in-thread fault context for this handler: any unclaimed one, starting at a place that
 * differs between threads (their stacks) so that concurrent faults spread.  All claimed means
 * as many threads are inside a fault right now: wait for one to finish (microseconds).
 */
static struct uvs_server *claim_context(struct uvs_ctx *ctx)
{
	int n = ctx->nr_inthread;
	int start = (int)(((uintptr_t)&n >> 14) % (uintptr_t)n);

	for (;;) {
		for (int k = 0; k < n; k++) {
			struct uvs_server *s = &ctx->servers[ctx->cfg.nr_servers + (start + k) % n];
			int expect = 0;

			if (atomic_load_explicit(&s->claimed, memory_order_relaxed))
				continue;
			/* acquire: the last holder's ring records and counters come before ours */
			if (atomic_compare_exchange_strong_explicit(&s->claimed, &expect, 1, memory_order_acquire,
								    memory_order_relaxed))
				return s;
		}
		sched_yield();
	}
}

/*
 * The SIGBUS handler's entry (uvs_sigbus.c): 1 when @addr is in one of this context's in-thread
 * regions and the fault was dealt with (served, or poisoned so the access fails), 0 if it is
 * not ours.  Runs on the faulting thread, in a signal handler.
 */
int uvs_inthread_fault(struct uvs_ctx *ctx, uint64_t addr, int write)
{
	struct uvs_region *r = uvs_region_of_addr(ctx, addr);
	struct uvs_server *s;
	uint64_t t0;
	int kind = UVS_FK_STALE;

	if (!r || !(r->flags & UVS_REGION_INTHREAD))
		return 0;
	t0 = uvs_now_ns();
	s = claim_context(ctx);
	/*
	 * seq_cst: odd while we serve; uvs_region_remove stores the region's end and then waits for
	 * every odd seq, and serve_at looks the region up again after this, so one of us sees the other.
	 */
	atomic_fetch_add(&s->seq, 1);
	if (inthread_direct(s, addr & UVS_PAGE_MASK, t0) != 1)
		inthread_throttle(s, addr, t0);
	r = serve_at(s, addr & UVS_PAGE_MASK, write, &kind);	/* before account() reads kind */
	account(s, r, kind, t0);
	atomic_fetch_add(&s->seq, 1);
	/* release: our ring records and counters are complete for the next holder and for Java */
	atomic_store_explicit(&s->claimed, 0, memory_order_release);
	return 1;
}
