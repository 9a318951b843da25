package dev.uvswap;

import java.io.Serial;

/** This machine lacks something uvswap needs; the message names exactly what. */
public final class UnsupportedPlatformException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public UnsupportedPlatformException(String message) {
        super(message);
    }

    public UnsupportedPlatformException(String message, Throwable cause) {
        super(message, cause);
    }
}
