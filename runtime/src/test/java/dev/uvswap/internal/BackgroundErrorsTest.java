package dev.uvswap.internal;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

/** A failure that repeats every iteration is counted every time but logged once per interval. */
class BackgroundErrorsTest {

    @Test
    void aRepeatingFailureIsCountedEachTimeAndLoggedOnce() {
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage() != null && r.getMessage().contains("uvswap-test-thread")) {
                    logged.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger jul = Logger.getLogger("dev.uvswap");
        jul.addHandler(capture);
        try {
            BackgroundErrors errors = new BackgroundErrors("uvswap-test-thread");
            for (int i = 0; i < 1000; i++) {
                errors.report(new IllegalStateException("failure " + i));
            }
            assertEquals(1000, errors.count());
            assertEquals(1, logged.size(), "one warning for a burst within the interval");
            assertEquals(java.util.logging.Level.WARNING, logged.getFirst().getLevel());
            assertEquals("failure 0", logged.getFirst().getThrown().getMessage(), "the first failure, with its stack");
        } finally {
            jul.removeHandler(capture);
        }
    }

    @Test
    void anInjectedFailureIsThrownOnce() {
        BackgroundErrors errors = new BackgroundErrors("uvswap-test-thread");
        IllegalStateException f = new IllegalStateException("injected");
        errors.injectOnce(f);
        assertSame(f, assertThrows(IllegalStateException.class, errors::throwIfInjected));
        errors.throwIfInjected();   // once only
        assertEquals(0, errors.count(), "counted when the thread reports it, not when thrown");
    }
}
