package dev.uvswap.bindings.uvswap;

import dev.uvswap.bindings.NativeLibraryLoader;

import java.lang.foreign.SymbolLookup;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written: loads libuvswap for {@link uvswap_h}, jextract's output, which looks its functions up
 * through its class loader ({@code SymbolLookup.loaderLookup()}) when each is first called.
 * {@link #require()} must come first: it loads the library (once per process) with
 * {@link NativeLibraryLoader#loadIntoClassLoader} ({@code -Duvswap.library.path}, else extracted from the
 * uvswap-native jar) and checks that it has every function uvswap_h binds.  uvswap_h's constants and
 * layouts, the struct classes and {@link UvswapInline} do not need the library.
 */
public final class UvswapLibrary {

    private UvswapLibrary() {}

    private static volatile boolean loaded;
    /** The first failure, kept: every later {@link #require()} reports the same cause. */
    private static UnsatisfiedLinkError failure;

    /**
     * Returns once libuvswap is loaded and has every function of {@link uvswap_h}; else throws an
     * {@link UnsatisfiedLinkError} that says why (not found, not opened, or built from another uvswap.h),
     * the same one on every call.
     */
    public static void require() {
        if (loaded) {
            return;
        }
        synchronized (UvswapLibrary.class) {
            if (loaded) {
                return;
            }
            if (failure == null) {
                try {
                    SymbolLookup lib = NativeLibraryLoader.loadIntoClassLoader("uvswap");
                    List<String> missing = new ArrayList<>();
                    for (String symbol : functions()) {
                        if (lib.find(symbol).isEmpty()) {
                            missing.add(symbol);
                        }
                    }
                    if (missing.isEmpty()) {
                        loaded = true;
                        return;
                    }
                    failure = new UnsatisfiedLinkError("unresolved symbol" + (missing.size() > 1 ? "s: " : ": ")
                            + String.join(", ", missing) + " in libuvswap ("
                            + NativeLibraryLoader.loadedFrom("uvswap").orElse("?") + "): the library was built from "
                            + "another version of uvswap.h than these bindings");
                } catch (UnsatisfiedLinkError e) {
                    failure = e;
                }
            }
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(failure.getMessage());
            e.initCause(failure);
            throw e;
        }
    }

    /** The C functions {@link uvswap_h} binds: those with an {@code $address()} accessor (reflection initializes nothing). */
    static List<String> functions() {
        List<String> out = new ArrayList<>();
        for (Method m : uvswap_h.class.getDeclaredMethods()) {
            String n = m.getName();
            if (n.endsWith("$address") && m.getParameterCount() == 0) {
                out.add(n.substring(0, n.length() - "$address".length()));
            }
        }
        return out;
    }
}
