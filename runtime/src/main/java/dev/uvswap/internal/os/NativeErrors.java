package dev.uvswap.internal.os;

import dev.uvswap.VSwapException;
import dev.uvswap.bindings.libc.Errno;

/** Turns native failures into exceptions that name the operation (netty's Errors, in small). */
public final class NativeErrors {
    private NativeErrors() {
    }

    /** For libuvswap calls, which return {@code >= 0} or {@code -errno}. */
    public static long check(long rc, String operation) {
        if (rc < 0) {
            throw failure(operation, (int) -rc);
        }
        return rc;
    }

    /** For libc calls that return -1 and set errno (captured by the bindings). */
    public static long checkLibc(long rc, String operation) {
        if (rc == -1) {
            throw failure(operation, Errno.last());
        }
        return rc;
    }

    public static VSwapException failure(String operation, int errno) {
        return new VSwapException(operation + " failed: " + Errno.describe(errno), errno);
    }
}
