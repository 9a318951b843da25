package dev.uvswap;

import dev.uvswap.internal.VSwapImpl;

/**
 * A second uvswap process on the far tier's server (FarTierTest): pages {@code pages} pages of
 * seed {@code seed} out through a 1 MiB pool to the server on {@code port}, reads every one back,
 * closes, and prints its key prefix, how many pages went to the server, and how many came back
 * wrong. Exits 0 when all went well.
 */
public final class FarTierChildMain {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        long pages = Long.parseLong(args[2]);
        boolean ok;
        try (VSwap vswap = VSwap.builder().zswapMaxBytes(1 << 20).build();
             Region r = vswap.allocate(pages * 4096, RegionOption.SMALL_PAGES)) {
            vswap.addFarTier(FarTierSpec.redis("127.0.0.1", port, 1L << 30));
            String prefix = ((VSwapImpl) vswap).fileBackend().files().far().keyPrefix();
            for (long p = 0; p < pages; p++) {
                PageData.HEAP_LIKE.fill(r.segment(), p, seed);
            }
            r.pageOut(0, pages * 4096);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (vswap.farTier().orElseThrow().pagesUsed() < pages / 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long far = vswap.farTier().orElseThrow().pagesUsed();
            long wrong = 0;
            for (long p = 0; p < pages; p++) {
                if (PageData.HEAP_LIKE.check(r.segment(), p, seed) != -1) {
                    wrong++;
                }
            }
            System.out.println("prefix " + prefix + " far " + far + " wrong pages " + wrong);
            ok = wrong == 0 && far >= pages / 2;
        }
        System.exit(ok ? 0 : 1);   // after the close, which removes this instance's keys
    }
}
