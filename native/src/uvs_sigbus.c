// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_sigbus.c - faults served on the faulting thread (FaultMode.IN_THREAD; NativeContext.attachSignalHandler).
 *
 * The kernel serves a fault in the task that takes it; a fault server is another thread, often
 * on the other vCPU, and the wake-up across vCPUs costs more than the service itself.  Regions
 * registered on the second userfaultfd (UFFD_FEATURE_SIGBUS) raise SIGBUS on the faulting thread
 * instead of queueing a message, and this handler, chained in front of HotSpot's, resolves the
 * fault with the same ioctls a server would use, then returns: the access is retried and hits
 * the page.  Every other SIGBUS (a truncated mapped file, a poisoned page, another library's) goes
 * to the handler we found installed, with the same arguments.
 *
 * Everything here is async-signal-safe: the per-fault state (bounce pages, the 2 MiB assembly
 * buffer, a zstd context, a completion ring, counters) lives in contexts allocated when the
 * VSwap is created and claimed with a CAS; nothing allocates, and no lock is shared with code
 * outside signal handlers.  A thread blocked in this handler is in Java as far as a safepoint is
 * concerned, so nothing here waits for Java either.
 */
#include "uvs_internal.h"

#include <dlfcn.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* VSwaps of one process that serve faults in-thread at the same time. */
#define LIVE_MAX	16
/* How often the watchdog looks at SIGBUS's disposition. */
#define WATCH_NS	100000000L

/*
 * A VSwap the handler may serve.  @users counts handlers reading @ctx: uvs_sigbus_detach clears
 * @ctx, then waits for @users to drain (both seq_cst: a Dekker pair), so a handler never reads a
 * freed context.
 */
struct live_slot {
	_Atomic(struct uvs_ctx *) ctx;
	_Atomic int users;
};

static struct live_slot live[LIVE_MAX];

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

/*
 * The handler we chain to.  Two copies and an index, because the watchdog replaces it while
 * handlers on other threads may be reading it: it writes the copy not in use, then publishes its
 * index (release; handlers acquire it).
 */
static struct sigaction chained[2];
static _Atomic int chained_idx;
/* libc's sigaction, looked up once outside the handler (dlopen is not async-signal-safe). */
static _Atomic(sigaction_fn) real_sigaction;
static _Atomic int installed;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;	/* never taken in the handler */
static pthread_t watchdog;
static _Atomic int watchdog_started;
static _Atomic uint64_t reinstalls;
static _Atomic uint64_t forwarded;

static void handler(int sig, siginfo_t *info, void *uc);

/*
 * libc's own sigaction.  LD_PRELOAD=libjsig.so interposes `sigaction` and would record our
 * handler as the application's instead of installing it; asking libc for its symbol by handle
 * gets past any interposer.
 */
static sigaction_fn libc_sigaction(void)
{
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	void *fn = libc ? dlsym(libc, "sigaction") : NULL;

	if (libc)
		dlclose(libc);
	return fn ? (sigaction_fn)fn : sigaction;
}

/* The kernel's own view of SIGBUS's handler (rt_sigaction, no libc in between). */
static void *kernel_handler(void)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} k;

	if (syscall(SYS_rt_sigaction, SIGBUS, NULL, &k, sizeof(k.mask)))
		return NULL;
	return k.handler;
}

static void forward(int sig, siginfo_t *info, void *uc)
{
	/* acquire: the copy the index names is complete */
	const struct sigaction *next = &chained[atomic_load_explicit(&chained_idx, memory_order_acquire)];

	atomic_fetch_add_explicit(&forwarded, 1, memory_order_relaxed);
	if (next->sa_flags & SA_SIGINFO) {
		next->sa_sigaction(sig, info, uc);
	} else if (next->sa_handler == SIG_DFL) {
		/* What would have happened without us: the retried access kills the process. */
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		atomic_load(&real_sigaction)(SIGBUS, &dfl, NULL);
	} else if (next->sa_handler != SIG_IGN) {
		/*
		 * Called with all three arguments: the JVM puts its own handler back without
		 * SA_SIGINFO (sun.misc.Signal restoring a NativeSignalHandler), yet that handler reads
		 * them; a one-argument handler ignores the other two (the calling convention allows it).
		 */
		((void (*)(int, siginfo_t *, void *))(void *)next->sa_handler)(sig, info, uc);
	}
}

/* Write access? x86_64 reports it in the page-fault error code; elsewhere assume a write. */
static int fault_is_write(void *uc)
{
#if defined(__x86_64__)
	return (((ucontext_t *)uc)->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
	(void)uc;
	return 1;
#endif
}

static void handler(int sig, siginfo_t *info, void *uc)
{
	int saved_errno = errno;
	uint64_t addr = (uint64_t)(uintptr_t)info->si_addr;
	int served = 0;

	/* A userfaultfd SIGBUS is BUS_ADRERR; poison (BUS_MCEERR_*) and the rest are not ours. */
	if (info->si_code == BUS_ADRERR) {
		for (int i = 0; i < LIVE_MAX && !served; i++) {
			/* seq_cst: pairs with uvs_sigbus_detach's clear of ctx and read of users */
			atomic_fetch_add(&live[i].users, 1);
			struct uvs_ctx *ctx = atomic_load(&live[i].ctx);

			if (ctx)
				served = uvs_inthread_fault(ctx, addr, fault_is_write(uc));
			atomic_fetch_sub_explicit(&live[i].users, 1, memory_order_release);
		}
	}
	if (!served)
		forward(sig, info, uc);
	errno = saved_errno;
}

/* Install the handler unless the kernel already has it; saves what it replaces.  Under install_lock. */
static int install_locked(void)
{
	struct sigaction ours, old;
	int idx;

	if (!atomic_load(&real_sigaction))
		atomic_store(&real_sigaction, libc_sigaction());
	if (kernel_handler() == (void *)handler)
		return 0;
	memset(&ours, 0, sizeof(ours));
	ours.sa_sigaction = handler;
	ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	/* Save the current one first, so the handler can forward from its first call on. */
	if (atomic_load(&real_sigaction)(SIGBUS, NULL, &old))
		return -errno;
	/* The handler we forward to runs with the signals blocked that it asked for (HotSpot's does). */
	ours.sa_mask = old.sa_mask;
	idx = !atomic_load_explicit(&chained_idx, memory_order_relaxed);
	chained[idx] = old;
	/* release: the copy is complete before a handler may read it */
	atomic_store_explicit(&chained_idx, idx, memory_order_release);
	if (atomic_load(&real_sigaction)(SIGBUS, &ours, NULL))
		return -errno;
	if (kernel_handler() != (void *)handler)
		return -ENOTRECOVERABLE;	/* something between us and the kernel swallowed it */
	return 0;
}

/*
 * The watchdog: sun.misc.Signal.handle("BUS") or a library can replace our handler at any time,
 * and a fault in an in-thread region would then be retried forever by a handler that does not
 * serve it.  Looking ten times a second bounds such a livelock; the replacement becomes the
 * handler we forward to.
 */
static void *watch(void *arg)
{
	const struct timespec tick = { .tv_nsec = WATCH_NS };

	(void)arg;
	for (;;) {
		nanosleep(&tick, NULL);
		if (kernel_handler() == (void *)handler)
			continue;
		pthread_mutex_lock(&install_lock);
		if (atomic_load(&installed) && !install_locked())
			atomic_fetch_add_explicit(&reinstalls, 1, memory_order_relaxed);
		pthread_mutex_unlock(&install_lock);
	}
	return NULL;
}

static int start_watchdog(void)
{
	sigset_t all, old;
	int err;

	if (atomic_load(&watchdog_started))
		return 0;
	/* Asynchronous signals belong to JVM threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&watchdog, NULL, watch, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	pthread_detach(watchdog);
	pthread_setname_np(watchdog, "uvswap-sigbus");
	atomic_store(&watchdog_started, 1);
	return 0;
}

int64_t uvs_sigbus_attach(struct uvs_ctx *ctx)
{
	int err = 0, slot = -1;

	if (!ctx || ctx->cfg.sigbus_uffd < 0 || !ctx->nr_inthread)
		return -EINVAL;
	pthread_mutex_lock(&install_lock);
	for (int i = 0; i < LIVE_MAX && slot < 0; i++)
		if (!atomic_load(&live[i].ctx))
			slot = i;
	if (slot < 0)
		err = -ENOSPC;
	if (!err)
		err = install_locked();
	if (!err)
		err = start_watchdog();
	if (!err) {
		atomic_store(&installed, 1);
		/* seq_cst: the context is complete (created before) when a handler sees it */
		atomic_store(&live[slot].ctx, ctx);
		ctx->live_slot = slot;
	}
	pthread_mutex_unlock(&install_lock);
	return err;
}

int64_t uvs_sigbus_detach(struct uvs_ctx *ctx)
{
	int slot;

	if (!ctx || ctx->live_slot < 0)
		return 0;
	slot = ctx->live_slot;
	pthread_mutex_lock(&install_lock);
	/* seq_cst: a handler that counted itself in after this sees NULL */
	atomic_store(&live[slot].ctx, NULL);
	pthread_mutex_unlock(&install_lock);
	while (atomic_load(&live[slot].users))
		sched_yield();
	ctx->live_slot = -1;
	/* The handler stays installed: forwarding everything, it changes nothing for anyone. */
	return 0;
}

int64_t uvs_sigbus_counters(int64_t *out, int32_t n)
{
	if (n < 3)
		return -EINVAL;
	out[0] = kernel_handler() == (void *)handler;
	out[1] = (int64_t)atomic_load_explicit(&reinstalls, memory_order_relaxed);
	out[2] = (int64_t)atomic_load_explicit(&forwarded, memory_order_relaxed);
	return 3;
}
