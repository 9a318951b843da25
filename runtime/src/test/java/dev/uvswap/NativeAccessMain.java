package dev.uvswap;

/** Child-JVM body of {@link NativeAccessTest}: builds a VSwap and prints what happened, one line. */
public final class NativeAccessMain {
    public static void main(String[] args) {
        try (VSwap v = VSwap.builder().compressor(Compressor.LZ4).faultThreads(1).build()) {
            System.out.println("built: " + v.faultThreads() + " fault thread");
        } catch (UnsupportedPlatformException e) {
            System.out.println("refused: " + e.getMessage());
            System.exit(3);
        }
    }
}
