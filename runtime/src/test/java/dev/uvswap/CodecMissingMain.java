package dev.uvswap;

/**
 * Child-JVM body of {@link ZstdMissingTest}, run where libzstd.so.1 cannot be opened: a ZSTD
 * VSwap must fail with the message that says what to install; an LZ4 one must work, every byte checked.
 */
public final class CodecMissingMain {
    public static void main(String[] args) {
        try (VSwap v = VSwap.builder().compressor(Compressor.ZSTD).faultThreads(1).build()) {
            System.out.println("zstd: built, but it should not have been");
        } catch (UnsupportedPlatformException e) {
            System.out.println("zstd: " + e.getMessage());
        }
        try (VSwap vswap = VSwap.builder().compressor(Compressor.LZ4).faultThreads(1).build();
             Region r = vswap.allocate(1 << 21)) {
            for (long p = 0; p < 512; p++) {
                PageData.mixed(p, 4).fill(r.segment(), p, 4);
            }
            long out = r.pageOut(0, r.size());
            for (long p = 0; p < 512; p++) {
                if (PageData.mixed(p, 4).check(r.segment(), p, 4) != -1) {
                    System.out.println("lz4: page " + p + " differs");
                    System.exit(1);
                }
            }
            System.out.println("lz4: " + out + " pages out and back");
        }
    }
}
