package dev.uvswap.bindings;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checked-in bindings against what the real jextract makes of the headers today
 * ({@code jextract.sh}): a header change that the bindings do not follow fails here, not at run
 * time. Struct classes must be jextract's output exactly (below their two-line header); the
 * uvswap header class must hold the same constants and the same function descriptors (its
 * loading, errno capture and inline-helper twins are hand-written on purpose, see jextract.sh).
 * LayoutTest checks the values against gcc; this checks the code against jextract.
 *
 * <p>Runs where jextract can: {@code JEXTRACT} (or {@code -Duvswap.jextract}) names its
 * {@code bin/jextract}, and libclang is installed ({@code .ci/run} sets both up where it can).
 * Elsewhere it is reported skipped, with the reason.
 */
@ExtendWith(PrintSkipReasons.class)
class JextractDriftTest {

    /** Struct classes kept as jextract writes them. uffd_msg is not: it flattens a union on purpose. */
    static final List<String> GENERATED_STRUCTS = List.of(
            "uvswap/uvs_completion", "uvswap/uvs_ring", "uvswap/uvs_server_stats", "uvswap/uvs_codec",
            "uvswap/uvs_config", "uvswap/uvs_cresult", "uvswap/uvs_magazine",
            "uffd/uffdio_api", "uffd/uffdio_range", "uffd/uffdio_register", "uffd/uffdio_copy",
            "uffd/uffdio_zeropage", "uffd/uffdio_move", "uffd/uffdio_writeprotect", "uffd/uffdio_poison",
            "libc/iovec");

    private static final Pattern CONSTANT = Pattern.compile(
            "private static final (int|long) (\\w+) = \\((?:int|long)\\)(-?\\d+)L;");
    /** A descriptor as the checked-in class declares it (a field per function, outside its holder class). */
    private static final Pattern DESCRIPTOR = Pattern.compile(
            "private static final FunctionDescriptor (\\w+)\\$DESC = (FunctionDescriptor\\.of(?:Void)?\\([^;]*\\));");
    /** A descriptor as jextract declares it: inside the function's holder class. */
    private static final Pattern JEXTRACT_DESCRIPTOR = Pattern.compile(
            "private static class (\\w+) \\{\\s*public static final FunctionDescriptor DESC = (FunctionDescriptor\\.of(?:Void)?\\([^;]*\\));");

    private static Path generated;
    private static String skipped;

    @BeforeAll
    static void generate(@TempDir Path out) throws Exception {
        String jextract = System.getProperty("uvswap.jextract", System.getenv("JEXTRACT"));
        if (jextract == null || !Files.isExecutable(Path.of(jextract))) {
            skipped = "no jextract (set JEXTRACT to its bin/jextract): the bindings were NOT compared with jextract's output";
            return;
        }
        Path script = bindingsDir().resolve("jextract.sh");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), out.toString()).redirectErrorStream(true);
        pb.environment().put("JEXTRACT", jextract);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "jextract.sh did not finish in 5 minutes");
        if (p.exitValue() != 0 && log.contains("no libclang")) {
            skipped = "jextract found no libclang (apt-get install libclang1-14 libclang-common-14-dev):"
                    + " the bindings were NOT compared with jextract's output";
            return;
        }
        assertEquals(0, p.exitValue(), "jextract.sh failed:\n" + log);
        generated = out;
    }

    @Test
    void structClassesAreJextractsOutput() throws IOException {
        Assumptions.assumeTrue(skipped == null, skipped);
        List<String> drifted = new ArrayList<>();
        for (String s : GENERATED_STRUCTS) {
            String ours = body(checkedIn(s), 2);
            String theirs = body(generated.resolve("dev/uvswap/bindings/" + s + ".java"), 1);
            if (!ours.equals(theirs)) {
                drifted.add(s + firstDifference(ours, theirs));
            }
        }
        assertTrue(drifted.isEmpty(), "struct classes that differ from jextract's output (regenerate with"
                + " bindings/jextract.sh and copy them, keeping the two-line header):\n  " + String.join("\n  ", drifted));
    }

    @Test
    void uvswapHeaderClassHasJextractsConstantsAndDescriptors() throws IOException {
        Assumptions.assumeTrue(skipped == null, skipped);
        String ours = Files.readString(checkedIn("uvswap/uvswap_h"));
        String theirs = Files.readString(generated.resolve("dev/uvswap/bindings/uvswap/uvswap_h.java"));
        Map<String, String> constants = matches(CONSTANT, theirs, 2, 3);
        assertTrue(constants.size() > 0, "no constant found in jextract's uvswap_h: has its shape changed?");
        assertEquals(constants, matches(CONSTANT, ours, 2, 3), "uvswap_h constants");
        Map<String, String> descriptors = matches(JEXTRACT_DESCRIPTOR, theirs, 1, 2);
        assertTrue(descriptors.size() > 0, "no function descriptor found in jextract's uvswap_h: has its shape changed?");
        assertEquals(descriptors, matches(DESCRIPTOR, ours, 1, 2), "uvswap_h function descriptors");
    }

    private static Map<String, String> matches(Pattern p, String text, int key, int value) {
        Map<String, String> m = new TreeMap<>();
        for (Matcher x = p.matcher(text); x.find(); ) {
            m.put(x.group(key), x.group(value).replaceAll("\\s+", " "));
        }
        return m;
    }

    /** The file without its first {@code skip} lines (the header comment), line ends as they are. */
    private static String body(Path file, int skip) throws IOException {
        String text = Files.readString(file);
        int at = 0;
        for (int i = 0; i < skip; i++) {
            at = text.indexOf('\n', at) + 1;
        }
        return text.substring(at).strip();
    }

    private static String firstDifference(String a, String b) {
        String[] x = a.split("\n", -1);
        String[] y = b.split("\n", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (!x[i].equals(y[i])) {
                return ": line " + (i + 1) + " is\n      " + x[i].strip() + "\n    jextract:\n      " + y[i].strip();
            }
        }
        return ": " + x.length + " lines, jextract " + y.length;
    }

    private static Path checkedIn(String name) {
        return bindingsDir().resolve("src/main/java/dev/uvswap/bindings/" + name + ".java");
    }

    private static Path bindingsDir() {
        return Path.of(System.getProperty("uvswap.bindings.dir", "."));
    }
}
