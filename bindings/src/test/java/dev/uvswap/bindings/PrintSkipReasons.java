package dev.uvswap.bindings;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints why a test was skipped (a failed assumption: no gcc, no userfaultfd) on the console, where
 * surefire's summary shows only "skipped": a skipped check must never look like a passed one.
 */
public class PrintSkipReasons implements TestWatcher {
    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        System.out.println("SKIPPED " + context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName()
                + ": " + cause.getMessage());
    }
}
