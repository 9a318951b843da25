package dev.uvswap.internal.codec;

import dev.uvswap.Compressor;
import dev.uvswap.UnsupportedPlatformException;
import dev.uvswap.bindings.uvswap.uvs_codec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.Optional;

/**
 * Finds the codec entry points and hands them to libuvswap, so C and Java use one codec build
 * and libuvswap links against no codec itself.
 *
 * <p>lz4 comes from lz4-java's bundled library, which exports {@code LZ4_compress_default} and
 * {@code LZ4_decompress_safe}; it is loaded by its own Java class, and
 * {@link SymbolLookup#loaderLookup()} then sees it because it shares our class loader.
 * zstd comes from the system's {@code libzstd.so.1} (package libzstd1 on Debian and Ubuntu, a
 * dependency of systemd and dpkg there). uvswap does not depend on zstd-jni: its bundled library
 * (1.5.5 to 1.5.7-9 checked) keeps every {@code ZSTD_*} symbol local and exports only JNI entry
 * points, so it could not serve libuvswap; and Debian's {@code libzstd.a} is not built
 * position-independent, so zstd cannot be linked into {@code libuvswap.so} either. zstd-jni is
 * used for one job only, off the fault path: training dictionaries ({@link GroupDictionary}).
 */
public final class CompressionCodec {
    private CompressionCodec() {
    }

    /** Fills {@code codec} (a struct uvs_codec) and checks that {@code wanted} is usable. */
    public static void resolve(MemorySegment codec, Compressor wanted, int zstdLevel) {
        String lz4Error = loadLz4();
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        String[] zstdError = new String[1];
        SymbolLookup zstd = zstdLookup(zstdError);
        if (zstd != null) {
            uvs_codec.zstd_create_dctx(codec, find(zstd, "ZSTD_createDCtx"));
            uvs_codec.zstd_free_dctx(codec, find(zstd, "ZSTD_freeDCtx"));
            uvs_codec.zstd_decompress_dctx(codec, find(zstd, "ZSTD_decompressDCtx"));
            uvs_codec.zstd_create_cctx(codec, find(zstd, "ZSTD_createCCtx"));
            uvs_codec.zstd_cctx_set_parameter(codec, find(zstd, "ZSTD_CCtx_setParameter"));
            uvs_codec.zstd_compress2(codec, find(zstd, "ZSTD_compress2"));
            uvs_codec.zstd_is_error(codec, find(zstd, "ZSTD_isError"));
            // Dictionaries (ZstdDictionaries): frames name theirs, so every decoder can find it.
            uvs_codec.zstd_compress_cdict(codec, find(zstd, "ZSTD_compress_usingCDict"));
            uvs_codec.zstd_decompress_ddict(codec, find(zstd, "ZSTD_decompress_usingDDict"));
            uvs_codec.zstd_frame_dict_id(codec, find(zstd, "ZSTD_getDictID_fromFrame"));
            uvs_codec.zstd_level(codec, zstdLevel);
        }
        if (lz4Error == null) {
            uvs_codec.lz4_compress_default(codec, find(lookup, "LZ4_compress_default"));
            uvs_codec.lz4_decompress_safe(codec, find(lookup, "LZ4_decompress_safe"));
        }
        // Every swapped-in page may need either codec (objects remember theirs), so both are
        // wanted; only the chosen one is required.
        if (wanted == Compressor.ZSTD && zstd == null) {
            throw new UnsupportedPlatformException("zstd codec unavailable: " + zstdError[0] + "; " + ZSTD_REMEDY);
        }
        if (wanted == Compressor.LZ4 && lz4Error != null) {
            throw new UnsupportedPlatformException("lz4 codec unavailable: " + lz4Error);
        }
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        Optional<MemorySegment> s = lookup.find(name);
        return s.orElseThrow(() -> new UnsupportedPlatformException("codec symbol " + name
                + " not exported by the loaded codec library"));
    }

    static final String SYSTEM_ZSTD = "libzstd.so.1";

    /** What to do when zstd is missing, as the error says it. */
    static final String ZSTD_REMEDY = "install libzstd1 (Debian/Ubuntu: apt-get install libzstd1), or use Compressor.LZ4";

    /** The system's libzstd, which C's codec calls too; null without it. */
    static SymbolLookup systemZstd() {
        return zstdLookup(new String[1]);
    }

    /** The system's libzstd, or null with the reason in {@code why[0]}. */
    private static SymbolLookup zstdLookup(String[] why) {
        SymbolLookup sys;
        try {
            sys = SymbolLookup.libraryLookup(SYSTEM_ZSTD, Arena.global());
        } catch (IllegalArgumentException e) {
            why[0] = SYSTEM_ZSTD + " could not be loaded (" + e.getMessage() + ")";
            return null;
        }
        if (sys.find("ZSTD_compress2").isEmpty()) {
            why[0] = SYSTEM_ZSTD + " has no ZSTD_compress2 (zstd 1.4 or newer is needed)";
            return null;
        }
        return sys;
    }

    private static String loadLz4() {
        try {
            net.jpountz.lz4.LZ4Factory.nativeInstance();
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "lz4-java's native library did not load: " + e;
        }
    }
}
