package dev.uvswap.examples.consumer;

import dev.uvswap.UnsupportedPlatformException;
import dev.uvswap.VSwap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * uvswap as a dependency, the way a team adopts it: a separate Maven project (src/test/fixture, no
 * uvswap parent, no ./uvs) depends on uvswap-runtime, is built by plain {@code mvn package}, and run
 * with plain {@code java} and the flags README gives.
 *
 * <p>The artifacts are this build's own jars and POMs, put into a temporary local repository in the
 * layout {@code mvn install} writes (never into ~/.m2, which other builds share). The fixture's
 * build reaches nothing on the network: a settings file mirrors every repository to the user's
 * local repository, read as a file:// repository for the plugins and lz4-java it already holds.
 */
class ConsumerProjectTest {
    private static final List<String> MODULES = List.of("native", "bindings", "runtime");

    private final Path root = Path.of(System.getProperty("uvswap.root", ".")).toAbsolutePath().normalize();
    private final String version = System.getProperty("uvswap.version");

    @Test
    void aFreshMavenProjectBuildsAndRunsWithTheReadmeFlags(@TempDir Path tmp) throws Exception {
        assumeSupported();
        Path mvn = onPath("mvn");
        assumeTrue(mvn != null, "no mvn on PATH to build the consumer project with");
        Path m2 = Path.of(System.getProperty("uvswap.m2"));
        for (String m : MODULES) {
            assumeTrue(Files.isRegularFile(jar(m, "")), "the reactor has not packaged " + jar(m, "") + " yet");
        }

        Path repo = tmp.resolve("repo");
        install(repo, "uvswap-parent", root.resolve("pom.xml"), List.of());
        for (String m : MODULES) {
            List<Path> jars = new ArrayList<>(List.of(jar(m, "")));
            for (String classifier : List.of("-sources", "-javadoc")) {
                if (Files.isRegularFile(jar(m, classifier))) {
                    jars.add(jar(m, classifier));
                }
            }
            install(repo, "uvswap-" + m, root.resolve(m).resolve("pom.xml"), jars);
        }
        Path settings = tmp.resolve("settings.xml");
        Files.writeString(settings, """
                <settings>
                  <mirrors><mirror><id>local-only</id><mirrorOf>*</mirrorOf><url>%s</url></mirror></mirrors>
                </settings>
                """.formatted(m2.toUri()));
        Path app = tmp.resolve("uses-uvswap");
        copyTree(Path.of(System.getProperty("uvswap.fixture")), app);

        Run build = run(app, List.of(mvn.toString(), "-B", "-q", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repo, "-Duvswap.version=" + version, "package"));
        assertEquals(0, build.exit(), "the consumer project's build: " + build.out());
        String classPath = app.resolve("target/uses-uvswap-1.0.jar") + ":"
                + Files.readString(app.resolve("target/classpath.txt")).strip();
        assertTrue(classPath.contains(repo.resolve("dev/uvswap/uvswap-runtime").toString()),
                "uvswap-runtime from the temporary repository: " + classPath);
        assertFalse(classPath.contains(m2.resolve("dev/uvswap").toString()), "nothing of uvswap from ~/.m2: " + classPath);
        for (String jar : List.of("uvswap-runtime", "uvswap-bindings", "uvswap-native", "lz4-java")) {
            assertTrue(classPath.contains(jar), jar + " is on the class path: " + classPath);
        }
        assertFalse(classPath.contains("zstd-jni"), "zstd-jni is optional, for dictionaries only: " + classPath);

        String readme = Files.readString(root.resolve("README.md"));
        String flags = "--enable-native-access=ALL-UNNAMED";
        assertTrue(readme.contains("java " + flags + " -cp"), "README gives the java command line with " + flags);
        assertTrue(readme.contains("<artifactId>uvswap-runtime</artifactId>") && readme.contains("<version>" + version + "</version>"),
                "README gives the dependency snippet");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String codec : List.of("ZSTD", "LZ4")) {
            Run r = run(app, List.of(java, flags, "-cp", classPath, "com.example.App", codec));
            assertEquals(0, r.exit(), r.out());
            assertTrue(r.out().contains("uses-uvswap OK: 2048 pages swapped out and read back with " + codec), r.out());
            assertFalse(r.out().contains("WARNING"), "no JDK warning with the README's flag: " + r.out());
        }
        Run denied = run(app, List.of(java, "--illegal-native-access=deny", "-cp", classPath, "com.example.App"));
        assertNotEquals(0, denied.exit(), denied.out());
        assertTrue(denied.out().contains("UnsupportedPlatformException: uvswap needs native access"), denied.out());
        assertTrue(denied.out().contains("start java with " + flags), denied.out());
        assertFalse(denied.out().contains("ExceptionInInitializerError"), denied.out());
    }

    @Test
    void thePublishedRuntimeHasItsLicenseSourcesAndApiOnlyJavadoc() throws IOException {
        assertTrue(Files.readString(root.resolve("LICENSE")).contains("Apache License"), "LICENSE at the root");
        String parent = Files.readString(root.resolve("pom.xml"));
        for (String element : List.of("<licenses>", "<name>Apache-2.0</name>", "<scm>", "<developers>", "<url>", "<description>")) {
            assertTrue(parent.contains(element), "the parent POM has " + element);
        }
        assumeTrue(Files.isRegularFile(jar("runtime", "-javadoc")),
                "no javadoc jar: the runtime was built with -Dmaven.javadoc.skip (as ./uvs demo builds it)");
        try (ZipFile javadoc = new ZipFile(jar("runtime", "-javadoc").toFile());
             ZipFile sources = new ZipFile(jar("runtime", "-sources").toFile())) {
            // The runtime is a named module: javadoc lays its pages out under the module's name.
            assertNotNull(javadoc.getEntry("dev.uvswap/module-summary.html"), "the module's page");
            assertNotNull(javadoc.getEntry("dev.uvswap/dev/uvswap/VSwap.html"));
            assertNotNull(javadoc.getEntry("dev.uvswap/dev/uvswap/MemoryGroup.html"));
            assertTrue(javadoc.stream().noneMatch(e -> e.getName().contains("/internal/")), "internal packages are not API");
            assertNotNull(sources.getEntry("dev/uvswap/VSwap.java"));
        }
    }

    private Path jar(String module, String classifier) {
        return root.resolve(module).resolve("target").resolve("uvswap-" + module + "-" + version + classifier + ".jar");
    }

    /** What {@code mvn install} lays out: groupId path / artifactId / version / artifactId-version[-classifier].ext. */
    private void install(Path repo, String artifactId, Path pom, List<Path> jars) throws IOException {
        Path dir = repo.resolve("dev/uvswap").resolve(artifactId).resolve(version);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifactId + "-" + version + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        for (Path j : jars) {
            String classifier = j.getFileName().toString().replaceFirst(".*-" + version.replace(".", "\\.") + "(.*)\\.jar", "$1");
            Files.copy(j, dir.resolve(artifactId + "-" + version + classifier + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void assumeSupported() {
        try (VSwap v = VSwap.builder().faultThreads(1).build()) {
            assertNotNull(v);
        } catch (UnsupportedPlatformException e) {
            assumeTrue(false, "uvswap cannot run on this machine: " + e.getMessage());
        }
    }

    private record Run(int exit, String out) { }

    private static Run run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // Maven's own libraries use sun.misc.Unsafe; jansi.noreset keeps Debian's Maven from printing ESC[0m.
        pb.environment().put("MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -Djansi.noreset=true");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished: " + cmd);
        System.out.println("$ " + String.join(" ", cmd.size() > 6 ? cmd.subList(0, 2) : cmd) + " ... -> exit " + p.exitValue()
                + (out.isBlank() ? "" : "\n" + out.strip()));
        return new Run(p.exitValue(), out);
    }

    private static Path onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
