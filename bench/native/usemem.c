// SPDX-License-Identifier: Apache-2.0
/*
 * usemem - the kernel-baseline workload for uvswap's usemem/memhog comparison.
 *
 * Writes a pattern into one anonymous private mapping with N threads, reads it
 * back and checks every word, then unmaps it, and prints one CSV row per round.
 * The patterns, page orders and the thread split are the ones the Java harness
 * uses, so that a kernel swap run (see bench/kernel/kernel-baseline.sh) and a
 * uvswap run hold the same bytes.
 *
 *   usemem --pattern usemem|memhog|heap --order seq|rand --threads N --size-mib S
 *          [--rounds R] [--label BACKEND,CODEC,RATIO,BUDGET_MIB] [--header]
 *
 * Rows go to stdout, everything else to stderr. Exit status: 0 on success,
 * 1 if a round found mismatching words or a system call failed, 2 on a usage
 * error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PAGE_BYTES	4096UL
#define PAGE_WORDS	(PAGE_BYTES / sizeof(uint64_t))	/* 512 */
#define PAGES_PER_MIB	256UL

#define CSV_HEADER \
	"system,backend,codec,pattern,order,threads,ratio,budget_mib,size_mib,round," \
	"real_s,user_s,sys_s,write_mbps,verify_mbps,free_ms,peak_mib,pages,errors"

enum pattern { PAT_USEMEM, PAT_MEMHOG, PAT_HEAP };
enum order { ORD_SEQ, ORD_RAND };

static const char *const pattern_names[] = { "usemem", "memhog", "heap" };
static const char *const order_names[] = { "seq", "rand" };

struct config {
	enum pattern pattern;
	enum order order;
	unsigned long threads;
	unsigned long size_mib;
	unsigned long rounds;
	bool header;
	bool huge;		/* MADV_HUGEPAGE (usemem -H in the kernel's own tests' terms), not NOHUGEPAGE */
	char backend[64];
	char codec[64];
	char ratio[32];
	unsigned long budget_mib;
};

struct worker {
	pthread_t tid;
	unsigned long index;
	enum pattern pattern;
	uint8_t *base;		/* start of the whole mapping */
	uint64_t first;		/* first global page index owned */
	uint64_t count;		/* pages owned */
	uint32_t *perm;		/* chunk-relative order, NULL for seq */
	bool verify;		/* false: write phase, true: verify phase */
	uint64_t errors;	/* mismatching words (verify phase) */
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("usemem: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(const char *why) __attribute__((noreturn));

static void usage(const char *why)
{
	if (why)
		fprintf(stderr, "usemem: %s\n", why);
	fprintf(stderr,
		"usage: usemem --pattern usemem|memhog|heap --order seq|rand --threads N --size-mib S\n"
		"              [--rounds R] [--label BACKEND,CODEC,RATIO,BUDGET_MIB] [--header] [--huge]\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void get_rusage(struct rusage *ru)
{
	if (getrusage(RUSAGE_SELF, ru))
		die("getrusage(RUSAGE_SELF): %s", strerror(errno));
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z;

	*state += 0x9E3779B97F4A7C15ULL;
	z = *state;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* The heap pattern: semi-compressible, like a JVM heap (headers, pointers, small ints, zeros). */
static inline uint64_t heap_word(uint64_t p, uint64_t w)
{
	switch (w & 3) {
	case 0:
		return 0x0000000100000001ULL;
	case 1:
		return 0x00007F3A00000000ULL | (((p * 31 + w) & 0xFFFF) << 4);
	case 2:
		return (p + w) & 0xFF;
	default:
		return ((w & 31) == 3) ? p * 0x9E3779B97F4A7C15ULL + w : 0;
	}
}

static inline uint64_t memhog_word(uint64_t p)
{
	return (uint64_t)(uint8_t)(p * 7 + 1) * 0x0101010101010101ULL;
}

static void write_page(enum pattern pat, uint64_t *q, uint64_t p)
{
	uint64_t w;

	switch (pat) {
	case PAT_USEMEM:
		for (w = 0; w < PAGE_WORDS; w++)
			q[w] = p * PAGE_WORDS + w;
		break;
	case PAT_MEMHOG:
		memset(q, (uint8_t)(p * 7 + 1), PAGE_BYTES);
		break;
	case PAT_HEAP:
		for (w = 0; w < PAGE_WORDS; w++)
			q[w] = heap_word(p, w);
		break;
	}
}

static uint64_t verify_page(enum pattern pat, const uint64_t *q, uint64_t p)
{
	uint64_t w, bad = 0, v;

	switch (pat) {
	case PAT_USEMEM:
		for (w = 0; w < PAGE_WORDS; w++)
			bad += q[w] != p * PAGE_WORDS + w;
		break;
	case PAT_MEMHOG:
		v = memhog_word(p);
		for (w = 0; w < PAGE_WORDS; w++)
			bad += q[w] != v;
		break;
	case PAT_HEAP:
		for (w = 0; w < PAGE_WORDS; w++)
			bad += q[w] != heap_word(p, w);
		break;
	}
	return bad;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	uint64_t i, p, errors = 0;

	for (i = 0; i < wk->count; i++) {
		p = wk->first + (wk->perm ? wk->perm[i] : i);
		uint64_t *q = (uint64_t *)(wk->base + p * PAGE_BYTES);

		if (wk->verify)
			errors += verify_page(wk->pattern, q, p);
		else
			write_page(wk->pattern, q, p);
	}
	wk->errors = errors;
	return NULL;
}

/* Runs one phase on every worker and returns its wall time in seconds. */
static double run_phase(struct worker *wks, unsigned long n, bool verify)
{
	unsigned long t;
	double t0;
	int rc;

	t0 = now_s();
	for (t = 0; t < n; t++) {
		wks[t].verify = verify;
		wks[t].errors = 0;
		rc = pthread_create(&wks[t].tid, NULL, worker_main, &wks[t]);
		if (rc)
			die("pthread_create (thread %lu of %lu): %s", t, n, strerror(rc));
	}
	for (t = 0; t < n; t++) {
		rc = pthread_join(wks[t].tid, NULL);
		if (rc)
			die("pthread_join (thread %lu): %s", t, strerror(rc));
	}
	return now_s() - t0;
}

/* VmHWM of this process in KiB. */
static unsigned long read_vmhwm_kib(void)
{
	char line[256];
	unsigned long kib = 0;
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (!f)
		die("open /proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmHWM: %lu kB", &kib) == 1) {
			found = true;
			break;
		}
	}
	if (ferror(f))
		die("read /proc/self/status: %s", strerror(errno));
	fclose(f);
	if (!found)
		die("no VmHWM line in /proc/self/status");
	return kib;
}

/*
 * Resets VmHWM to the current RSS ("5" > /proc/self/clear_refs), so that each
 * round's peak_mib is that round's peak and not the peak of an earlier one.
 */
static void reset_vmhwm(void)
{
	static bool warned;
	int fd;

	fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "5", 1) != 1) {
		if (!warned)
			fprintf(stderr, "usemem: cannot reset VmHWM through /proc/self/clear_refs (%s); "
				"peak_mib of later rounds is the peak since the process started\n",
				strerror(errno));
		warned = true;
	}
	if (fd >= 0 && close(fd))
		die("close /proc/self/clear_refs: %s", strerror(errno));
}

static unsigned long parse_ulong(const char *opt, const char *s, unsigned long min)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min) {
		fprintf(stderr, "usemem: %s: want an integer >= %lu, got '%s'\n", opt, min, s);
		usage(NULL);
	}
	return v;
}

static int parse_name(const char *opt, const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	fprintf(stderr, "usemem: %s: unknown value '%s'\n", opt, s);
	usage(NULL);
}

static void copy_field(char *dst, size_t cap, const char *src, size_t len, const char *what)
{
	size_t i;

	if (len == 0 || len >= cap) {
		fprintf(stderr, "usemem: --label: %s must be 1..%zu characters\n", what, cap - 1);
		usage(NULL);
	}
	for (i = 0; i < len; i++) {
		if (src[i] == ',' || src[i] == '"' || src[i] == '\n' || src[i] == '\r') {
			fprintf(stderr, "usemem: --label: %s must not contain commas, quotes or newlines\n",
				what);
			usage(NULL);
		}
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void parse_label(struct config *cfg, const char *s)
{
	const char *c1, *c2, *c3;
	char budget[32];
	char *end;
	double r;

	c1 = strchr(s, ',');
	c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	c3 = c2 ? strchr(c2 + 1, ',') : NULL;
	if (!c3 || strchr(c3 + 1, ','))
		usage("--label wants exactly BACKEND,CODEC,RATIO,BUDGET_MIB");
	copy_field(cfg->backend, sizeof(cfg->backend), s, c1 - s, "BACKEND");
	copy_field(cfg->codec, sizeof(cfg->codec), c1 + 1, c2 - c1 - 1, "CODEC");
	copy_field(cfg->ratio, sizeof(cfg->ratio), c2 + 1, c3 - c2 - 1, "RATIO");
	copy_field(budget, sizeof(budget), c3 + 1, strlen(c3 + 1), "BUDGET_MIB");
	errno = 0;
	r = strtod(cfg->ratio, &end);
	if (errno || *end || r < 0)
		usage("--label: RATIO must be a non-negative number");
	cfg->budget_mib = parse_ulong("--label BUDGET_MIB", budget, 0);
}

static void parse_args(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pattern",  required_argument, NULL, 'p' },
		{ "order",    required_argument, NULL, 'o' },
		{ "threads",  required_argument, NULL, 't' },
		{ "size-mib", required_argument, NULL, 's' },
		{ "rounds",   required_argument, NULL, 'r' },
		{ "label",    required_argument, NULL, 'l' },
		{ "header",   no_argument,       NULL, 'H' },
		{ "huge",     no_argument,       NULL, 'g' },
		{ "help",     no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_pattern = false, have_order = false, have_threads = false, have_size = false;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->rounds = 1;
	strcpy(cfg->backend, "none");
	strcpy(cfg->codec, "none");
	strcpy(cfg->ratio, "0");

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			cfg->pattern = parse_name("--pattern", optarg, pattern_names, 3);
			have_pattern = true;
			break;
		case 'o':
			cfg->order = parse_name("--order", optarg, order_names, 2);
			have_order = true;
			break;
		case 't':
			cfg->threads = parse_ulong("--threads", optarg, 1);
			have_threads = true;
			break;
		case 's':
			cfg->size_mib = parse_ulong("--size-mib", optarg, 1);
			have_size = true;
			break;
		case 'r':
			cfg->rounds = parse_ulong("--rounds", optarg, 1);
			break;
		case 'l':
			parse_label(cfg, optarg);
			break;
		case 'H':
			cfg->header = true;
			break;
		case 'g':
			cfg->huge = true;
			break;
		case 'h':
			usage(NULL);
		default:
			usage(NULL);
		}
	}
	if (optind < argc)
		usage("unexpected argument");
	if (!have_pattern || !have_order || !have_threads || !have_size)
		usage("--pattern, --order, --threads and --size-mib are required");
	if (cfg->size_mib > (UINT32_MAX / PAGES_PER_MIB))
		usage("--size-mib is too large (at most 16777215)");
	if (cfg->threads > cfg->size_mib * PAGES_PER_MIB)
		usage("--threads is larger than the number of pages");
}

/* Sets up each thread's chunk and, for rand, its Fisher-Yates order seeded with 42 + t. */
static struct worker *make_workers(const struct config *cfg)
{
	uint64_t pages = (uint64_t)cfg->size_mib * PAGES_PER_MIB;
	struct worker *wks;
	unsigned long t;

	wks = calloc(cfg->threads, sizeof(*wks));
	if (!wks)
		die("out of memory for %lu workers", cfg->threads);
	for (t = 0; t < cfg->threads; t++) {
		struct worker *wk = &wks[t];
		uint64_t lo = t * pages / cfg->threads;
		uint64_t hi = (t + 1) * pages / cfg->threads;

		wk->index = t;
		wk->pattern = cfg->pattern;
		wk->first = lo;
		wk->count = hi - lo;
		if (cfg->order == ORD_RAND && wk->count > 0) {
			uint64_t state = 42 + t, i, j;
			uint32_t tmp;

			wk->perm = malloc(wk->count * sizeof(*wk->perm));
			if (!wk->perm)
				die("out of memory for the order of thread %lu (%" PRIu64 " pages)",
				    t, wk->count);
			for (i = 0; i < wk->count; i++)
				wk->perm[i] = (uint32_t)i;
			for (i = wk->count - 1; i >= 1; i--) {
				j = splitmix64(&state) % (i + 1);
				tmp = wk->perm[i];
				wk->perm[i] = wk->perm[j];
				wk->perm[j] = tmp;
			}
		}
	}
	return wks;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct worker *wks;
	uint64_t pages, errors, total_errors = 0;
	size_t bytes;
	unsigned long round, t, peak_kib;
	double mb, t_start, t_write, t_verify, t_free0, t_end;
	struct rusage ru0, ru1;
	void *base;

	parse_args(&cfg, argc, argv);
	pages = (uint64_t)cfg.size_mib * PAGES_PER_MIB;
	bytes = (size_t)pages * PAGE_BYTES;
	mb = (double)cfg.size_mib * 1048576.0 / 1e6;
	wks = make_workers(&cfg);

	if (cfg.header) {
		puts(CSV_HEADER);
		if (fflush(stdout))
			die("write stdout: %s", strerror(errno));
	}

	for (round = 1; round <= cfg.rounds; round++) {
		reset_vmhwm();
		get_rusage(&ru0);
		t_start = now_s();

		base = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (base == MAP_FAILED)
			die("mmap %lu MiB anonymous: %s", cfg.size_mib, strerror(errno));
		if (madvise(base, bytes, cfg.huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
			die("madvise(%s) on %lu MiB: %s", cfg.huge ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
			    cfg.size_mib, strerror(errno));
		for (t = 0; t < cfg.threads; t++)
			wks[t].base = base;

		t_write = run_phase(wks, cfg.threads, false);
		t_verify = run_phase(wks, cfg.threads, true);
		errors = 0;
		for (t = 0; t < cfg.threads; t++)
			errors += wks[t].errors;
		peak_kib = read_vmhwm_kib();

		t_free0 = now_s();
		if (munmap(base, bytes))
			die("munmap %lu MiB: %s", cfg.size_mib, strerror(errno));
		t_end = now_s();
		get_rusage(&ru1);

		printf("kernel,%s,%s,%s,%s,%lu,%s,%lu,%lu,%lu,"
		       "%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%lu,%" PRIu64 ",%" PRIu64 "\n",
		       cfg.backend, cfg.codec, pattern_names[cfg.pattern], order_names[cfg.order],
		       cfg.threads, cfg.ratio, cfg.budget_mib, cfg.size_mib, round,
		       t_end - t_start,
		       tv_s(&ru1.ru_utime) - tv_s(&ru0.ru_utime),
		       tv_s(&ru1.ru_stime) - tv_s(&ru0.ru_stime),
		       t_write > 0 ? mb / t_write : 0.0,
		       t_verify > 0 ? mb / t_verify : 0.0,
		       (t_end - t_free0) * 1e3,
		       (peak_kib + 512) / 1024, pages, errors);
		if (fflush(stdout))
			die("write stdout: %s", strerror(errno));
		if (errors)
			fprintf(stderr, "usemem: round %lu: %" PRIu64 " of %" PRIu64
				" words did not read back as written (%s pattern, %s order, %lu threads)\n",
				round, errors, pages * PAGE_WORDS, pattern_names[cfg.pattern],
				order_names[cfg.order], cfg.threads);
		total_errors += errors;
	}

	for (t = 0; t < cfg.threads; t++)
		free(wks[t].perm);
	free(wks);
	if (total_errors) {
		fprintf(stderr, "usemem: FAILED: %" PRIu64 " mismatching words in %lu round(s)\n",
			total_errors, cfg.rounds);
		return 1;
	}
	return 0;
}
