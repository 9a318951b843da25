package dev.uvswap.internal;

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
 * zstd-jni's bundled library (1.5.5 to 1.5.7-9 checked) keeps every {@code ZSTD_*} symbol local
 * and exports only JNI entry points, so zstd comes from the system's {@code libzstd.so.1}
 * (on Debian a dependency of systemd and dpkg, so always there) unless a zstd-jni build that
 * exports them is loaded.
 */
public final class CompressionCodec {
    private CompressionCodec() {
    }

    /** Fills {@code codec} (a struct uvs_codec) and checks that {@code wanted} is usable. */
    public static void resolve(MemorySegment codec, Compressor wanted, int zstdLevel) {
        String lz4Error = loadLz4();
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        SymbolLookup zstd = zstdLookup();
        String zstdError = zstd == null ? "neither a loaded zstd-jni nor " + SYSTEM_ZSTD + " exports ZSTD_compress2" : null;
        if (zstd != null) {
            uvs_codec.zstd_create_dctx(codec, find(zstd, "ZSTD_createDCtx"));
            uvs_codec.zstd_free_dctx(codec, find(zstd, "ZSTD_freeDCtx"));
            uvs_codec.zstd_decompress_dctx(codec, find(zstd, "ZSTD_decompressDCtx"));
            uvs_codec.zstd_create_cctx(codec, find(zstd, "ZSTD_createCCtx"));
            uvs_codec.zstd_cctx_set_parameter(codec, find(zstd, "ZSTD_CCtx_setParameter"));
            uvs_codec.zstd_compress2(codec, find(zstd, "ZSTD_compress2"));
            uvs_codec.zstd_is_error(codec, find(zstd, "ZSTD_isError"));
            uvs_codec.zstd_level(codec, zstdLevel);
        }
        if (lz4Error == null) {
            uvs_codec.lz4_compress_default(codec, find(lookup, "LZ4_compress_default"));
            uvs_codec.lz4_decompress_safe(codec, find(lookup, "LZ4_decompress_safe"));
        }
        // Every swapped-in page may need either codec (objects remember theirs), so both are
        // wanted; only the chosen one is required.
        if (wanted == Compressor.ZSTD && zstdError != null) {
            throw new UnsupportedPlatformException("zstd codec unavailable: " + zstdError);
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

    /** The first library that exports the zstd API: a loaded zstd-jni, else the system's. */
    private static SymbolLookup zstdLookup() {
        try {
            com.github.luben.zstd.util.Native.load();
            SymbolLookup jni = SymbolLookup.loaderLookup();
            if (jni.find("ZSTD_compress2").isPresent()) {
                return jni;
            }
        } catch (LinkageError | RuntimeException e) {
            // fall through to the system library
        }
        try {
            SymbolLookup sys = SymbolLookup.libraryLookup(SYSTEM_ZSTD, Arena.global());
            return sys.find("ZSTD_compress2").isPresent() ? sys : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
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
