// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_far.c - reading far-tier objects (a Redis server) on the fault path.
 *
 * A far tier sits at a swap-file index and its objects have file handles like any file's: the
 * handle's "offset" is the object's id, which Java allocates once and never reuses.  Java writes,
 * frees and retires the objects (internal.far.FarTier); C only reads: a fault on such a FILE slot
 * sends GET <prefix><id as 16 hex digits> and checks the value before a byte of it is used.
 *
 * The value is a 32-byte record header (uvs_far_rec, the same bytes as Java's FarRecord) then the
 * page's stored form.  The header names the tier instance (64 random bits Java drew when it
 * attached), the object id, the stored length and format, and the CRC-32C of the stored bytes:
 * a value that is missing, foreign, stale or damaged is never decoded into a page.
 *
 * Everything here may run in uvswap's SIGBUS handler on the faulting thread: no malloc, no
 * locks, no stdio.  Connections live in a fixed array made at attach; a reader takes one with a
 * CAS and gives it back with a release store.  A reader never touches region memory while it
 * holds one, so a fault cannot interrupt its own holder.  socket, connect, setsockopt, send,
 * recv and close are async-signal-safe.  A connection that fails is closed and made again by
 * the next reader; its failure is -EAGAIN, which the fault path retries (UVS_RETRY_MAX_MS).
 */
#include "uvs_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FAR_CONNS	16
#define FAR_REC_BYTES	sizeof(struct uvs_far_rec)
/* "$4128\r\n" + record + "\r\n", rounded up */
#define FAR_BUF_BYTES	(FAR_REC_BYTES + UVS_PAGE_SIZE + 64)
#define FAR_PREFIX_MAX	96
#define FAR_HELLO_MAX	1024

/* The record (uvswap.h) is little-endian on the wire, read in place: x86-64 and arm64 are. */
_Static_assert(sizeof(struct uvs_far_rec) == FAR_REC_BYTES, "record header is 32 bytes");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the record header is read in place");

struct far_conn {
	_Atomic int busy;	/* 1 while a reader holds it */
	int fd;			/* -1: not connected; only the holder touches it */
	uint8_t buf[FAR_BUF_BYTES];
};

struct uvs_far {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint64_t tag;
	uint32_t prefix_len;
	int timeout_ms;
	uint32_t hello_len;
	char hello[FAR_HELLO_MAX];	/* sent on each new connection (AUTH), "+OK" expected; may be empty */
	char prefix[FAR_PREFIX_MAX];
	struct far_conn conns[FAR_CONNS];
};

/* ------------------------------------------------------------------------------------------
 * CRC-32C (Castagnoli, reflected, as java.util.zip.CRC32C): the table is made once, at the
 * first attach, before any reader can reach a far tier.
 * ------------------------------------------------------------------------------------------ */
static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82F63B78U : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = ~0U;

	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

/* ------------------------------------------------------------------------------------------
 * One connection.
 * ------------------------------------------------------------------------------------------ */
static void conn_close(struct far_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		/* MSG_NOSIGNAL: a closed peer is an error here, not a SIGPIPE for the process */
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read until @have >= @want bytes are in c->buf.  0 or -errno (-ECONNRESET for an orderly close). */
static int recv_until(struct far_conn *c, size_t *have, size_t want)
{
	while (*have < want) {
		ssize_t k = recv(c->fd, c->buf + *have, sizeof(c->buf) - *have, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -ECONNRESET;
		*have += (size_t)k;
	}
	return 0;
}

/* The tier's greeting (its AUTH) on a new connection: -EACCES unless the server says +OK. */
static int conn_hello(struct uvs_far *far, struct far_conn *c)
{
	size_t have = 0;
	int err;

	if (!far->hello_len)
		return 0;
	err = send_all(c->fd, far->hello, far->hello_len);
	if (!err)
		err = recv_until(c, &have, 5);
	if (err)
		return err;
	return have == 5 && !memcmp(c->buf, "+OK\r\n", 5) ? 0 : -EACCES;
}

/* Connect if not connected: 0 or -errno (get_value takes any failure for -EAGAIN: the server may come back). */
static int conn_open(struct uvs_far *far, struct far_conn *c)
{
	struct timeval tv = { .tv_sec = far->timeout_ms / 1000, .tv_usec = (far->timeout_ms % 1000) * 1000 };
	int one = 1;
	int fd;

	if (c->fd >= 0)
		return 0;
	fd = socket(far->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a timeout on both directions: a server that stops answering fails the read, not the thread */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))) {
		int err = -errno;

		close(fd);
		return err;
	}
	while (connect(fd, (struct sockaddr *)&far->addr, far->addrlen)) {
		int err = -errno;

		if (err == -EINTR)
			continue;
		close(fd);
		return err;
	}
	c->fd = fd;
	if (conn_hello(far, c)) {
		conn_close(c);
		return -EACCES;	/* AUTH refused, or no answer to it */
	}
	return 0;
}

/* Index just past the first CRLF in buf[0..have), or 0 if none yet. */
static size_t line_end(const uint8_t *buf, size_t have)
{
	for (size_t i = 1; i < have; i++)
		if (buf[i - 1] == '\r' && buf[i] == '\n')
			return i + 1;
	return 0;
}

/* ------------------------------------------------------------------------------------------
 * The GET.
 * ------------------------------------------------------------------------------------------ */
static char *put_dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* "*2\r\n$3\r\nGET\r\n$<len>\r\n<prefix><id: 16 lowercase hex digits>\r\n" */
static size_t build_get(const struct uvs_far *far, uint64_t id, char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *p = put_str(out, "*2\r\n$3\r\nGET\r\n$", 14);

	p = put_dec(p, far->prefix_len + 16);
	p = put_str(p, "\r\n", 2);
	p = put_str(p, far->prefix, far->prefix_len);
	for (int shift = 60; shift >= 0; shift -= 4)
		*p++ = hex[(id >> shift) & 0xf];
	p = put_str(p, "\r\n", 2);
	return (size_t)(p - out);
}

/* An error reply that passes: the server is loading its data after a restart, or busy. */
static int error_passes(const uint8_t *line, size_t n)
{
	return (n >= 8 && !memcmp(line, "-LOADING", 8)) || (n >= 5 && !memcmp(line, "-BUSY", 5));
}

/*
 * Parse one reply at the front of c->buf[0..*have), reading more as needed: more bytes than the
 * reply may arrive (the next replies of a pipelined round).  On success *val points at the value
 * (record header and stored bytes), *vlen is its length and *used the reply's length.  -ENODATA:
 * no such key (*used set: the connection is still in step).  -EPROTO: the reply is not a bulk
 * string we can hold.  -EAGAIN: the connection failed, or the server said it is loading.  The
 * caller closes the connection on any failure but -ENODATA: what is left in it is unknown.
 */
static int read_reply(struct far_conn *c, size_t *have, const uint8_t **val, size_t *vlen, size_t *used)
{
	size_t hdr, n = 0;

	while (!(hdr = line_end(c->buf, *have))) {
		if (*have >= 32)
			return -EPROTO;
		if (recv_until(c, have, *have + 1))
			return -EAGAIN;
	}
	if (c->buf[0] == '-')
		return error_passes(c->buf, hdr) ? -EAGAIN : -EPROTO;
	if (c->buf[0] != '$')
		return -EPROTO;
	if (c->buf[1] == '-') {
		*used = hdr;
		return hdr == 5 ? -ENODATA : -EPROTO;	/* "$-1\r\n": a nil, nothing follows */
	}
	for (size_t i = 1; i + 2 < hdr; i++) {
		if (c->buf[i] < '0' || c->buf[i] > '9' || n > FAR_BUF_BYTES)
			return -EPROTO;
		n = n * 10 + (size_t)(c->buf[i] - '0');
	}
	if (n < FAR_REC_BYTES || hdr + n + 2 > sizeof(c->buf))
		return -EPROTO;
	if (recv_until(c, have, hdr + n + 2))
		return -EAGAIN;
	if (c->buf[hdr + n] != '\r' || c->buf[hdr + n + 1] != '\n')
		return -EPROTO;
	*val = c->buf + hdr;
	*vlen = n;
	*used = hdr + n + 2;
	return 0;
}

/*
 * Send the GET and read its reply into c->buf: read_reply's results, and -EPROTO for anything
 * after the reply (one GET, one reply).  Any failure but -ENODATA closes the connection.
 */
static int get_value(struct uvs_far *far, struct far_conn *c, uint64_t id, const uint8_t **val, size_t *vlen)
{
	char cmd[FAR_PREFIX_MAX + 64];
	size_t have = 0, used = 0;
	int err;

	err = conn_open(far, c);
	if (!err)
		err = send_all(c->fd, cmd, build_get(far, id, cmd));
	if (err)
		err = -EAGAIN;
	else
		err = read_reply(c, &have, val, vlen, &used);
	if (!err && have != used)
		err = -EPROTO;	/* more than one reply */
	if (err == -ENODATA && have == used)
		return err;
	if (err)
		conn_close(c);
	return err;
}

/* The value is this tier's object @id of @len bytes in format @fmt, intact: 0 or -EBADMSG. */
static int check_record(const struct uvs_far *far, const uint8_t *val, size_t vlen, uint64_t id,
			uint64_t len, uint64_t fmt)
{
	struct uvs_far_rec rec;

	memcpy(&rec, val, sizeof(rec));
	if (rec.magic != UVS_FAR_MAGIC || rec.tag != far->tag || rec.id != id || rec.len != len ||
	    rec.fmt != fmt || vlen != FAR_REC_BYTES + len)
		return -EBADMSG;
	if (crc32c(val + FAR_REC_BYTES, len) != rec.crc)
		return -EBADMSG;
	return 0;
}

static struct far_conn *conn_get(struct uvs_far *far)
{
	for (;;) {
		for (int i = 0; i < FAR_CONNS; i++) {
			struct far_conn *c = &far->conns[i];
			int idle = 0;

			/* acquire: the last holder's fd and buffer writes come with it */
			if (!atomic_load_explicit(&c->busy, memory_order_relaxed) &&
			    atomic_compare_exchange_strong_explicit(&c->busy, &idle, 1, memory_order_acquire,
								    memory_order_relaxed))
				return c;
		}
		sched_yield();	/* every connection is in a read: one ends within the timeout */
	}
}

static void conn_put(struct far_conn *c)
{
	atomic_store_explicit(&c->busy, 0, memory_order_release);
}

/*
 * Read object @id (@len stored bytes, format @fmt) into @dst.  0, -EAGAIN when the server
 * cannot be reached now (try again), or another -errno: -ENODATA (no such key), -EBADMSG (not
 * our object, or damaged), -EPROTO (not a reply we understand).
 */
int uvs_far_read(struct uvs_far *far, uint64_t id, uint64_t len, uint64_t fmt, void *dst)
{
	struct far_conn *c = conn_get(far);
	const uint8_t *val;
	size_t vlen;
	int err = get_value(far, c, id, &val, &vlen);

	if (!err)
		err = check_record(far, val, vlen, id, len, fmt);
	if (!err)
		memcpy(dst, val + FAR_REC_BYTES, len);
	conn_put(c);
	return err;
}

/*
 * Read objects ids[0..n) (stored lengths @lens, formats @fmts) with one pipelined round on one
 * connection: n GETs in one send, then the n replies in order, each checked as uvs_far_read
 * checks one; object k's stored bytes go to dst + k * UVS_PAGE_SIZE.  Readahead of far pages
 * (uvs_swapin_ahead): n round trips become one.  0 when every object was read intact, else the
 * first failure's -errno, as uvs_far_read's; the connection is then closed (replies may be left
 * in it) and the caller reads page by page.
 */
int uvs_far_read_many(struct uvs_far *far, const uint64_t *ids, const uint64_t *lens, const uint64_t *fmts,
		      uint32_t n, uint8_t *dst)
{
	char cmds[UVS_AHEAD_MAX * (FAR_PREFIX_MAX + 64)];
	size_t len = 0, have = 0;
	struct far_conn *c;
	int err;

	if (n > UVS_AHEAD_MAX)
		return -EINVAL;
	for (uint32_t k = 0; k < n; k++) {
		if (!lens[k] || lens[k] > UVS_PAGE_SIZE)
			return -EINVAL;
		len += build_get(far, ids[k], cmds + len);
	}
	c = conn_get(far);
	err = conn_open(far, c);
	if (!err)
		err = send_all(c->fd, cmds, len);
	if (err)
		err = -EAGAIN;
	for (uint32_t k = 0; !err && k < n; k++) {
		const uint8_t *val;
		size_t vlen, used;

		err = read_reply(c, &have, &val, &vlen, &used);
		if (!err)
			err = check_record(far, val, vlen, ids[k], lens[k], fmts[k]);
		if (!err) {
			memcpy(dst + ((size_t)k << UVS_PAGE_SHIFT), val + FAR_REC_BYTES, lens[k]);
			memmove(c->buf, c->buf + used, have - used);
			have -= used;
		}
	}
	if (!err && have)
		err = -EPROTO;	/* more replies than GETs */
	if (err)
		conn_close(c);
	conn_put(c);
	return err;
}

/* ------------------------------------------------------------------------------------------
 * Attach and detach (Java threads, never the fault path).
 * ------------------------------------------------------------------------------------------ */
static int far_address(struct uvs_far *far, const char *host, int32_t port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&far->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&far->addr;

	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		far->addrlen = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		far->addrlen = sizeof(*in6);
		return 0;
	}
	return -EINVAL;	/* Java resolves names; C takes an address literal */
}

static void far_free(struct uvs_far *far)
{
	for (int i = 0; i < FAR_CONNS; i++)
		conn_close(&far->conns[i]);
	free(far);
}

int64_t uvs_far_attach(struct uvs_ctx *ctx, int32_t idx, const char *host, int32_t port, const char *prefix,
		       uint64_t tag, int32_t timeout_ms, const void *hello, int32_t hello_len)
{
	struct uvs_file *f;
	struct uvs_far *far, *none = NULL;
	size_t plen;

	if (!ctx || idx < 0 || idx >= UVS_MAX_FILES || !host || !prefix || port <= 0 || port > 65535 ||
	    timeout_ms <= 0 || hello_len < 0 || hello_len > FAR_HELLO_MAX || (hello_len && !hello))
		return -EINVAL;
	plen = strlen(prefix);
	if (plen == 0 || plen >= FAR_PREFIX_MAX)
		return -EINVAL;
	f = &ctx->files[idx];
	if (atomic_load(&f->fd) >= 0 || atomic_load(&f->far))
		return -EBUSY;
	far = calloc(1, sizeof(*far));
	if (!far)
		return -ENOMEM;
	if (far_address(far, host, port)) {
		free(far);
		return -EINVAL;
	}
	pthread_once(&crc_once, crc_init);
	memcpy(far->prefix, prefix, plen);
	far->prefix_len = (uint32_t)plen;
	far->tag = tag;
	far->timeout_ms = timeout_ms;
	if (hello_len)
		memcpy(far->hello, hello, (size_t)hello_len);
	far->hello_len = (uint32_t)hello_len;
	for (int i = 0; i < FAR_CONNS; i++)
		far->conns[i].fd = -1;
	/* seq_cst: the tier is complete before a reader can load the pointer */
	if (!atomic_compare_exchange_strong(&f->far, &none, far)) {
		free(far);
		return -EBUSY;
	}
	return 0;
}

int64_t uvs_far_detach(struct uvs_ctx *ctx, int32_t idx)
{
	struct uvs_far *far;

	if (!ctx || idx < 0 || idx >= UVS_MAX_FILES)
		return -EINVAL;
	/* seq_cst: a Dekker pair with uvs_file_read's readers count, as uvs_file_attach's detach */
	far = atomic_exchange(&ctx->files[idx].far, NULL);
	if (!far)
		return -ENOENT;
	while (atomic_load(&ctx->files[idx].readers))
		sched_yield();
	far_free(far);
	return 0;
}

/* uvs_destroy: the servers are stopped and the handler detached, so no reader is left. */
void uvs_far_free_all(struct uvs_ctx *ctx)
{
	for (int i = 0; i < UVS_MAX_FILES; i++) {
		struct uvs_far *far = atomic_exchange(&ctx->files[i].far, NULL);

		if (far)
			far_free(far);
	}
}
