package dev.uvswap;

import dev.uvswap.internal.fault.Userfaultfd;

import org.junit.jupiter.api.Assumptions;

/** Tests that need the real kernel call this first: a machine without it reports them skipped, with the reason. */
public final class Platform {
    private static volatile String missing;
    private static volatile boolean checked;

    private Platform() {
    }

    /** Aborts (skips) the calling test if uvswap cannot start here, naming what is missing. */
    public static void assumeSupported() {
        if (!checked) {
            synchronized (Platform.class) {
                if (!checked) {
                    // Only the kernel decides skips; anything else wrong with uvswap must fail the test.
                    try (dev.uvswap.internal.fault.Userfaultfd u = dev.uvswap.internal.fault.Userfaultfd.open(false)) {
                        missing = null;
                    } catch (UnsupportedPlatformException e) {
                        missing = e.getMessage();
                    }
                    checked = true;
                }
            }
        }
        Assumptions.assumeTrue(missing == null, () -> "uvswap cannot run on this machine: " + missing);
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
