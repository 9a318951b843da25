package dev.uvswap;

/**
 * Child-JVM body of {@link UnprivilegedProcessTest}, run as an unprivileged user: builds a
 * VSwap with default settings and checks that it fell back to a user-mode-only userfaultfd and
 * still swaps pages out and back. Prints the mode; exits 0 when every byte came back.
 */
public final class UnprivilegedMain {
    public static void main(String[] args) {
        try (VSwap vswap = VSwap.builder().faultThreads(1).build(); Region r = vswap.allocate(1 << 21)) {
            System.out.println("kernelFaultsHandled=" + vswap.kernelFaultsHandled());
            for (long p = 0; p < 512; p++) {
                PageData.mixed(p, 4).fill(r.segment(), p, 4);
            }
            long out = r.pageOut(0, r.size());
            for (long p = 0; p < 512; p++) {
                if (PageData.mixed(p, 4).check(r.segment(), p, 4) != -1) {
                    System.out.println("page " + p + " differs");
                    System.exit(1);
                }
            }
            System.out.println("swapped out and back: " + out);
        }
    }
}
