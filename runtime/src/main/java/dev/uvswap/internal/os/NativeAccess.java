package dev.uvswap.internal.os;

import dev.uvswap.UnsupportedPlatformException;
import dev.uvswap.bindings.NativeLibraryLoader;

import java.lang.foreign.MemorySegment;

/**
 * uvswap calls restricted methods (FFM downcalls, library loading) from its own jars. A JVM started
 * with {@code --illegal-native-access=deny} (the default of a future JDK) and without
 * {@code --enable-native-access} for them refuses the first such call; unchecked, that surfaces as an
 * {@code ExceptionInInitializerError} deep in the bindings. {@link #require()} makes one restricted
 * call first, from the runtime, and turns the refusal into an error that names the flag.
 */
public final class NativeAccess {
    private NativeAccess() {
    }

    /**
     * Returns when restricted methods may be called (granted, or only warned about);
     * else throws an {@link UnsupportedPlatformException} naming {@code --enable-native-access}.
     */
    public static void require() {
        Module module = NativeAccess.class.getModule();
        IllegalCallerException denied = probe(module);
        if (denied == null && NativeLibraryLoader.nativeAccessAllowed()) {
            return;
        }
        // On the class path one grant covers both jars; on the module path each module needs its own.
        String grant = module.isNamed() ? "--enable-native-access=dev.uvswap,dev.uvswap.bindings"
                : "--enable-native-access=ALL-UNNAMED";
        throw new UnsupportedPlatformException("uvswap needs native access, and this JVM denies it to "
                + (module.isNamed() ? "module " + (denied != null ? module.getName() : "dev.uvswap.bindings")
                        : "class-path code")
                + " (--illegal-native-access=deny): start java with " + grant, denied);
    }

    /** Null when {@code module} may call restricted methods (granted, or only warned about). */
    private static IllegalCallerException probe(Module module) {
        if (module.isNativeAccessEnabled()) {
            return null;
        }
        try {
            // The cheapest restricted method; with native access only warned about, the JDK prints its
            // warning (once per module) here and the call succeeds.
            MemorySegment.NULL.reinterpret(0);
            return null;
        } catch (IllegalCallerException e) {
            return e;
        }
    }
}
