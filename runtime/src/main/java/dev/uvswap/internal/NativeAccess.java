package dev.uvswap.internal;

import dev.uvswap.UnsupportedPlatformException;

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
        if (module.isNativeAccessEnabled()) {
            return;
        }
        try {
            // The cheapest restricted method; with native access only warned about, the JDK prints its
            // warning (once per module) here and the call succeeds.
            MemorySegment.NULL.reinterpret(0);
        } catch (IllegalCallerException e) {
            String grant = module.isNamed() ? "--enable-native-access=" + module.getName()
                    : "--enable-native-access=ALL-UNNAMED";
            throw new UnsupportedPlatformException("uvswap needs native access, and this JVM denies it to "
                    + (module.isNamed() ? "module " + module.getName() : "class-path code")
                    + " (--illegal-native-access=deny): start java with " + grant
                    + (module.isNamed() ? " (and the same for uvswap.bindings, or ALL-UNNAMED on the class path)" : ""), e);
        }
    }
}
