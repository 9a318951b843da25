// SPDX-License-Identifier: Apache-2.0
/*
 * uvs_codec.c - zstd and lz4 through the entry points Java handed over (CompressionCodec).
 *
 * Java resolves the entry points and hands them over (lz4 from lz4-java's library, zstd from
 * the system's libzstd.so.1, which Java loads at runtime; zstd-jni's library keeps its ZSTD_*
 * symbols local and Debian's libzstd.a is not position-independent, so neither can be used),
 * so C and Java share one build and libuvswap links no codec: without libzstd.so.1 there is no
 * zstd (-ENOSYS here; Java refuses Compressor.ZSTD and names the package).  The one symbol C
 * looks up itself is ZSTD_freeCCtx, in the library Java already loaded (dlopen with
 * RTLD_NOLOAD, uvs_codec_cctx_free).
 * Contexts are per thread: servers decompress, pageOut callers compress, and neither ever
 * shares a context.
 */
#include "uvs_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

typedef void *(*zstd_create_fn)(void);
typedef size_t (*zstd_decompress_dctx_fn)(void *dctx, void *dst, size_t cap, const void *src, size_t n);
typedef size_t (*zstd_set_param_fn)(void *cctx, int param, int value);
typedef size_t (*zstd_compress2_fn)(void *cctx, void *dst, size_t cap, const void *src, size_t n);
typedef unsigned (*zstd_is_error_fn)(size_t code);
typedef int (*lz4_fn)(const char *src, char *dst, int n, int cap);
typedef size_t (*zstd_compress_cdict_fn)(void *cctx, void *dst, size_t cap, const void *src, size_t n,
					 const void *cdict);
typedef size_t (*zstd_decompress_ddict_fn)(void *dctx, void *dst, size_t cap, const void *src, size_t n,
					   const void *ddict);
typedef unsigned (*zstd_frame_dict_id_fn)(const void *src, size_t n);

#define ZSTD_C_COMPRESSION_LEVEL	100	/* ZSTD_c_compressionLevel, stable API */

/* Contexts live as long as their thread; a pageOut or prefault caller keeps one each. */
static __thread void *tls_dctx;
static __thread void *tls_cctx;
static __thread int tls_cctx_level;

static void *zstd_dctx(struct uvs_ctx *ctx)
{
	if (!tls_dctx && ctx->cfg.codec.zstd_create_dctx)
		tls_dctx = ((zstd_create_fn)ctx->cfg.codec.zstd_create_dctx)();
	return tls_dctx;
}

static void *zstd_cctx(struct uvs_ctx *ctx)
{
	const struct uvs_codec *c = &ctx->cfg.codec;

	if (!c->zstd_create_cctx || !c->zstd_compress2)
		return NULL;
	if (!tls_cctx)
		tls_cctx = ((zstd_create_fn)c->zstd_create_cctx)();
	if (tls_cctx && tls_cctx_level != c->zstd_level + 1000) {
		((zstd_set_param_fn)c->zstd_cctx_set_parameter)(tls_cctx, ZSTD_C_COMPRESSION_LEVEL, c->zstd_level);
		tls_cctx_level = c->zstd_level + 1000;
	}
	return tls_cctx;
}

/*
 * The DDict installed under @id, or NULL.  Lock-free: a slot's pointers are written before its
 * id is published and never change after, so an acquire load of the id makes them visible.
 */
static const void *dict_by_id(struct uvs_ctx *ctx, uint32_t id)
{
	for (int i = 0; i < UVS_DICT_MAX; i++)
		/* acquire: pairs with uvs_dict_add's release; the slot's pointers are set */
		if (atomic_load_explicit(&ctx->dicts[i].id, memory_order_acquire) == id)
			return ctx->dicts[i].ddict;
	return NULL;
}

/*
 * One zstd frame into one page.  A frame made with a dictionary names it in its header; a
 * dictionary that is not installed makes it -EIO, never a decode without it.  Decoding with a
 * DDict allocates nothing in the context, so a signal handler may do it.
 */
static int zstd_decode(struct uvs_ctx *ctx, const void *src, uint64_t len, void *dst, void *dctx)
{
	const struct uvs_codec *c = &ctx->cfg.codec;
	uint32_t id = 0;
	size_t r;

	if (!dctx)
		dctx = zstd_dctx(ctx);
	if (!dctx || !c->zstd_decompress_dctx)
		return -ENOSYS;
	if (c->zstd_frame_dict_id)
		id = ((zstd_frame_dict_id_fn)c->zstd_frame_dict_id)(src, len);
	if (id) {
		const void *ddict = dict_by_id(ctx, id);

		if (!ddict || !c->zstd_decompress_ddict)
			return -EIO;
		r = ((zstd_decompress_ddict_fn)c->zstd_decompress_ddict)(dctx, dst, UVS_PAGE_SIZE, src, len, ddict);
	} else {
		r = ((zstd_decompress_dctx_fn)c->zstd_decompress_dctx)(dctx, dst, UVS_PAGE_SIZE, src, len);
	}
	if (((zstd_is_error_fn)c->zstd_is_error)(r) || r != UVS_PAGE_SIZE)
		return -EIO;
	return 0;
}

/*
 * Decode one stored page of the given format from src (len bytes) into dst.  Returns 0, -EIO
 * when the bytes do not decode to exactly one page, -ENOSYS without the codec.  A raw page is
 * taken as already in dst when src is NULL.  @dctx: the caller's zstd context, made in advance
 * (a fault context's: the signal handler must not allocate); NULL takes this thread's own.
 */
int uvs_codec_decode(struct uvs_ctx *ctx, uint64_t fmt, const void *src, uint64_t len, void *dst, void *dctx)
{
	const struct uvs_codec *c = &ctx->cfg.codec;

	switch (fmt) {
	case UVS_FMT_RAW:
		if (len != UVS_PAGE_SIZE)
			return -EIO;
		if (src && src != dst)
			memcpy(dst, src, UVS_PAGE_SIZE);
		return 0;
	case UVS_FMT_FILL: {
		uint64_t v, *p = dst;

		if (len != sizeof(v))
			return -EIO;
		memcpy(&v, src, sizeof(v));
		for (size_t i = 0; i < UVS_PAGE_SIZE / sizeof(v); i++)
			p[i] = v;
		return 0;
	}
	case UVS_FMT_ZSTD:
		return zstd_decode(ctx, src, len, dst, dctx);
	case UVS_FMT_LZ4:
		if (!c->lz4_decompress_safe)
			return -ENOSYS;
		if (((lz4_fn)c->lz4_decompress_safe)(src, dst, (int)len, UVS_PAGE_SIZE) != (int)UVS_PAGE_SIZE)
			return -EIO;
		return 0;
	}
	return -EIO;
}

static int unit_page(struct uvs_ctx *ctx, uint64_t h, void *dst, void *dctx, struct uvs_unit_cache *uc);

/* Decode the pool object a handle names into dst (one page); a unit's page through @uc. */
int uvs_codec_decompress(struct uvs_ctx *ctx, uint64_t handle, void *dst, void *dctx, struct uvs_unit_cache *uc)
{
	const char *src = (const char *)(uintptr_t)(ctx->cfg.pool_base + uvs_handle_off(handle));

	if (uvs_handle_is_unit(handle))
		return unit_page(ctx, handle, dst, dctx, uc);

	return uvs_codec_decode(ctx, uvs_handle_fmt(handle), src, uvs_handle_len(handle), dst, dctx);
}

/*
 * A zstd compression context for a fault context's direct reclaim, made on a normal thread and
 * warmed with one compression: zstd sizes its workspace on first use, and a signal handler may
 * not allocate.  NULL without zstd.
 */
void *uvs_codec_cctx_create(struct uvs_ctx *ctx)
{
	const struct uvs_codec *c = &ctx->cfg.codec;
	static const uint8_t sample[UVS_PAGE_SIZE] = { 1 };
	uint8_t out[UVS_PAGE_SIZE];
	void *cctx;

	if (!c->zstd_create_cctx || !c->zstd_compress2 || !c->zstd_cctx_set_parameter)
		return NULL;
	cctx = ((zstd_create_fn)c->zstd_create_cctx)();
	if (!cctx)
		return NULL;
	((zstd_set_param_fn)c->zstd_cctx_set_parameter)(cctx, ZSTD_C_COMPRESSION_LEVEL, c->zstd_level);
	((zstd_compress2_fn)c->zstd_compress2)(cctx, out, sizeof(out), sample, sizeof(sample));
	return cctx;
}

/*
 * Free a context from uvs_codec_cctx_create (at uvs_destroy, on a normal thread).  Java hands
 * over only the entry points the fault path calls, so ZSTD_freeCCtx is looked up in the library
 * that made the context; a VSwap with zstd made one per fault context, a warmed workspace each.
 */
void uvs_codec_cctx_free(struct uvs_ctx *ctx, void *cctx)
{
	Dl_info info;
	void *lib, *fn;

	if (!cctx || !ctx->cfg.codec.zstd_create_cctx)
		return;
	if (!dladdr(ctx->cfg.codec.zstd_create_cctx, &info) || !info.dli_fname)
		return;
	lib = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
	if (!lib)
		return;
	fn = dlsym(lib, "ZSTD_freeCCtx");
	if (fn)
		((size_t (*)(void *))fn)(cctx);
	dlclose(lib);
}

/*
 * Compress one page into dst (capacity one page).  0 with *len set, or -errno.  @cctx: the
 * caller's zstd context made in advance (direct reclaim), NULL takes this thread's own;
 * @cdict: a dictionary's ZSTD_CDict (zstd only), or NULL.
 */
int uvs_codec_compress(struct uvs_ctx *ctx, int codec, void *cctx, const void *cdict, const void *src, void *dst,
		       uint32_t *len)
{
	const struct uvs_codec *c = &ctx->cfg.codec;

	if (codec == UVS_CODEC_ZSTD) {
		size_t r;

		if (!cctx)
			cctx = zstd_cctx(ctx);
		if (!cctx)
			return -ENOSYS;
		/* The CDict carries the level it was made at; the frame names the dictionary's id. */
		if (cdict)
			r = ((zstd_compress_cdict_fn)c->zstd_compress_cdict)(cctx, dst, UVS_PAGE_SIZE, src, UVS_PAGE_SIZE,
									     cdict);
		else
			r = ((zstd_compress2_fn)c->zstd_compress2)(cctx, dst, UVS_PAGE_SIZE, src, UVS_PAGE_SIZE);
		/* An error here is "does not fit in a page": the caller stores the page raw. */
		*len = ((zstd_is_error_fn)c->zstd_is_error)(r) ? UVS_PAGE_SIZE + 1 : (uint32_t)r;
		return 0;
	}
	if (codec == UVS_CODEC_LZ4) {
		if (!c->lz4_compress_default)
			return -ENOSYS;
		int r = ((lz4_fn)c->lz4_compress_default)(src, dst, UVS_PAGE_SIZE, UVS_PAGE_SIZE);
		*len = r <= 0 ? UVS_PAGE_SIZE + 1 : (uint32_t)r;
		return 0;
	}
	return -EINVAL;
}

/*
 * Compress a unit's UVS_UNIT_BYTES at @src into @dst (capacity @cap) at UVS_UNIT_LEVEL, with
 * this thread's zstd context (Java's swap-out threads only, never a fault context).  0 with
 * *len set; -ENOSPC when the frame does not fit @cap; -ENOSYS without zstd.  The context's level
 * is put back after: zstd's parameters are sticky, and the next page must get the VSwap's level.
 */
int uvs_codec_compress_unit(struct uvs_ctx *ctx, const void *src, void *dst, uint32_t cap, uint32_t *len)
{
	const struct uvs_codec *c = &ctx->cfg.codec;
	void *cctx = zstd_cctx(ctx);
	size_t r;

	if (!cctx || !c->zstd_cctx_set_parameter)
		return -ENOSYS;
	((zstd_set_param_fn)c->zstd_cctx_set_parameter)(cctx, ZSTD_C_COMPRESSION_LEVEL, UVS_UNIT_LEVEL);
	r = ((zstd_compress2_fn)c->zstd_compress2)(cctx, dst, cap, src, UVS_UNIT_BYTES);
	((zstd_set_param_fn)c->zstd_cctx_set_parameter)(cctx, ZSTD_C_COMPRESSION_LEVEL, c->zstd_level);
	if (((zstd_is_error_fn)c->zstd_is_error)(r))
		return -ENOSPC;
	*len = (uint32_t)r;
	return 0;
}

/*
 * Gather a unit's pieces into uc->frame and decode them into uc->pages.  The caller holds a
 * claim on a slot that names the unit, so its live bit is set and Java frees neither the
 * header nor a piece meanwhile; the header was written before that slot's descriptor was
 * published, and the claim's acquire made it visible.  Anything out of bounds is -EIO.
 */
static int unit_decode(struct uvs_ctx *ctx, const struct uvs_unit *u, struct uvs_unit_cache *uc, void *dctx)
{
	const struct uvs_codec *c = &ctx->cfg.codec;
	uint32_t len = u->len, at = 0;
	size_t r;

	if (u->pages != UVS_UNIT_PAGES || !u->pieces || u->pieces > UVS_UNIT_MAX_PIECES ||
	    len > UVS_UNIT_BYTES || len > (uint32_t)u->pieces * UVS_UNIT_PIECE ||
	    len <= (uint32_t)(u->pieces - 1) * UVS_UNIT_PIECE)
		return -EIO;
	for (uint32_t k = 0; k < u->pieces; k++) {
		uint32_t n = len - at < UVS_UNIT_PIECE ? len - at : UVS_UNIT_PIECE;

		if (u->piece[k] + n > ctx->cfg.pool_bytes)
			return -EIO;
		memcpy(uc->frame + at, (const void *)(uintptr_t)(ctx->cfg.pool_base + u->piece[k]), n);
		at += n;
	}
	if (!dctx)
		dctx = zstd_dctx(ctx);
	if (!dctx || !c->zstd_decompress_dctx)
		return -ENOSYS;
	r = ((zstd_decompress_dctx_fn)c->zstd_decompress_dctx)(dctx, uc->pages, UVS_UNIT_BYTES, uc->frame, len);
	if (((zstd_is_error_fn)c->zstd_is_error)(r) || r != UVS_UNIT_BYTES)
		return -EIO;
	return 0;
}

/*
 * Page @h names of a unit into @dst: from @uc's last decoded unit when that is this one (same
 * header offset and serial: a unit freed and another stored at the offset has another serial),
 * else the unit is decoded into @uc first.  A sequential reader, a readahead run and a
 * whole-extent swap-in so decode each unit once.
 */
static int unit_page(struct uvs_ctx *ctx, uint64_t h, void *dst, void *dctx, struct uvs_unit_cache *uc)
{
	uint64_t off = uvs_handle_off(h), idx = uvs_handle_unit_page(h);
	const struct uvs_unit *u = (const struct uvs_unit *)(uintptr_t)(ctx->cfg.pool_base + off);
	int err;

	if (idx >= UVS_UNIT_PAGES || !uc || !uc->pages || off + sizeof(*u) > ctx->cfg.pool_bytes)
		return -EIO;
	if (!uc->valid || uc->off != off || uc->serial != u->serial) {
		uc->valid = 0;
		err = unit_decode(ctx, u, uc, dctx);
		if (err)
			return err;
		uc->off = off;
		uc->serial = u->serial;
		uc->valid = 1;
	}
	memcpy(dst, uc->pages + (idx << UVS_PAGE_SHIFT), UVS_PAGE_SIZE);
	return 0;
}

int64_t uvs_dict_add(struct uvs_ctx *ctx, int32_t slot, uint32_t id, void *cdict, void *ddict)
{
	const struct uvs_codec *c;

	if (!ctx || slot < 0 || slot >= UVS_DICT_MAX || !id || !cdict || !ddict)
		return -EINVAL;
	c = &ctx->cfg.codec;
	if (!c->zstd_compress_cdict || !c->zstd_decompress_ddict || !c->zstd_frame_dict_id)
		return -EINVAL;
	if (dict_by_id(ctx, id) || atomic_load_explicit(&ctx->dicts[slot].id, memory_order_relaxed))
		return -EEXIST;
	ctx->dicts[slot].cdict = cdict;
	ctx->dicts[slot].ddict = ddict;
	/* release: a reader that sees the id sees both pointers (dict_by_id, uvs_dict_cdict) */
	atomic_store_explicit(&ctx->dicts[slot].id, id, memory_order_release);
	return 0;
}

/* The CDict of an installed slot, or NULL. */
const void *uvs_dict_cdict(struct uvs_ctx *ctx, int32_t slot)
{
	if (slot < 0 || slot >= UVS_DICT_MAX)
		return NULL;
	/* acquire: pairs with uvs_dict_add's release */
	if (!atomic_load_explicit(&ctx->dicts[slot].id, memory_order_acquire))
		return NULL;
	return ctx->dicts[slot].cdict;
}

int uvs_unit_cache_init(struct uvs_unit_cache *uc)
{
	void *p = mmap(NULL, 2 * UVS_UNIT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	uc->pages = p;
	uc->frame = (uint8_t *)p + UVS_UNIT_BYTES;
	uc->valid = 0;
	return 0;
}

void uvs_unit_cache_free(struct uvs_unit_cache *uc)
{
	if (uc->pages)
		munmap(uc->pages, 2 * UVS_UNIT_BYTES);
	uc->pages = uc->frame = NULL;
	uc->valid = 0;
}

static pthread_key_t tls_unit_key;
static pthread_once_t tls_unit_once = PTHREAD_ONCE_INIT;

static void tls_unit_free(void *uc)
{
	uvs_unit_cache_free(uc);
	free(uc);
}

static void tls_unit_key_make(void)
{
	(void)pthread_key_create(&tls_unit_key, tls_unit_free);
}

/*
 * The calling thread's unit cache, for a swap-in or a unit's compression on a Java thread
 * (uvs_populate, uvs_compress): made on first use and freed when the thread exits.  Never
 * called from a fault context, which has its own.  NULL if it cannot be made (a unit's page
 * then fails with -EIO, as a page that will not decode; a unit is not made).
 */
struct uvs_unit_cache *uvs_unit_cache_tls(void)
{
	struct uvs_unit_cache *uc;

	pthread_once(&tls_unit_once, tls_unit_key_make);
	uc = pthread_getspecific(tls_unit_key);
	if (uc)
		return uc;
	uc = calloc(1, sizeof(*uc));
	if (!uc)
		return NULL;
	if (uvs_unit_cache_init(uc) || pthread_setspecific(tls_unit_key, uc)) {
		tls_unit_free(uc);
		return NULL;
	}
	return uc;
}
