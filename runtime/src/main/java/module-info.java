/**
 * uvswap: memory regions larger than what stays resident, for off-heap data. The API is
 * {@code dev.uvswap} alone; everything under {@code dev.uvswap.internal} is the control plane, and
 * the module boundary keeps it out of users' reach (a use from outside is a compile error).
 *
 * <p>Launch with {@code --enable-native-access=dev.uvswap,dev.uvswap.bindings} (or
 * {@code ALL-UNNAMED} on the class path).
 */
module dev.uvswap {
    requires dev.uvswap.bindings;
    requires java.management;
    requires jdk.jfr;
    requires jdk.attach;    // uvs stat reads a running JVM's counters through the attach API
    requires org.lz4.java;  // lz4-java's native library is the LZ4 codec C calls
    // One job: training zstd dictionaries (GroupDictionary), only for VSwaps built with
    // dictionaries(true); on the module path add it with --add-modules com.github.luben.zstd_jni.
    requires static com.github.luben.zstd_jni;

    exports dev.uvswap;
    // JMX builds MXBean proxies and JFR reads event fields reflectively: open to them, not to users.
    exports dev.uvswap.internal.observe to java.management;
    opens dev.uvswap.internal.observe to java.management, jdk.jfr;
    // The benchmarks measure the codec floor through the entry points C is handed (CodecFloorBench).
    exports dev.uvswap.internal.codec to dev.uvswap.bench;
}
