package dev.uvswap;

import java.io.Serial;

/** A system call or native operation failed; the message names the operation and the errno. */
public final class VSwapException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;
    private final int errno;

    public VSwapException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The errno reported by the failing call, or 0 when there was none. */
    public int errno() {
        return errno;
    }
}
