package dev.uvswap.modcheck;

import dev.uvswap.VSwap;
import dev.uvswap.bindings.NativeLibraryLoader;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.ToolProvider;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The module boundary: {@code dev.uvswap} is the API and nothing else is reachable. A module that
 * requires dev.uvswap compiles against the API and fails to compile against an internal class (the
 * control compiles the same module without that line); an application with the runtime on the module
 * path and native access granted by module name swaps pages and registers its MBeans.
 */
class ModuleBoundaryTest {
    /** Where the runtime, its bindings and lz4-java are: the modules, as the build made them. */
    private static List<String> modulePath() throws URISyntaxException {
        List<String> path = new ArrayList<>();
        for (Class<?> c : List.of(VSwap.class, NativeLibraryLoader.class, net.jpountz.lz4.LZ4Factory.class)) {
            path.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return path;
    }

    private static String compile(Path dir, String body) throws Exception {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("module-info.java"), "module app { requires dev.uvswap; }\n");
        Files.writeString(src.resolve("app/App.java"), "package app;\n" + body);
        StringWriter out = new StringWriter();
        boolean ok = ToolProvider.getSystemJavaCompiler().getTask(out, null, null,
                List.of("-d", dir.resolve("out").toString(), "--module-path", String.join(File.pathSeparator, modulePath())),
                null, ToolProvider.getSystemJavaCompiler().getStandardFileManager(null, null, null)
                        .getJavaFileObjects(src.resolve("module-info.java"), src.resolve("app/App.java"))).call();
        return (ok ? "compiled" : "failed") + "\n" + out;
    }

    @Test
    void anInternalClassIsACompileErrorOutsideTheModule() throws Exception {
        Path dir = Files.createTempDirectory("uvswap-modcheck");
        String api = compile(dir.resolve("api"),
                "public class App { static dev.uvswap.VSwap open() { return dev.uvswap.VSwap.builder().build(); } }\n");
        assertTrue(api.startsWith("compiled"), "the control, the API alone: " + api);
        String internal = compile(dir.resolve("internal"),
                "public class App { static dev.uvswap.VSwap open() { return dev.uvswap.VSwap.builder().build(); }\n"
                        + "  static Object inside() { return dev.uvswap.internal.group.MemoryGroupImpl.class; } }\n");
        assertTrue(internal.startsWith("failed"), "an internal class compiled: " + internal);
        assertTrue(internal.contains("package dev.uvswap.internal.group is not visible")
                || internal.contains("does not export dev.uvswap.internal.group"), internal);
    }

    @Test
    void anApplicationRunsWithUvswapOnTheModulePath() throws Exception {
        dev.uvswap.Platform.assumeSupported();
        List<String> modules = modulePath();
        // Everything else on the test class path (this class, libuvswap.so's jar) stays there.
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !modules.contains(Path.of(e).toString()))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--illegal-native-access=deny", "--enable-native-access=dev.uvswap,dev.uvswap.bindings,org.lz4.java",
                "--module-path", String.join(File.pathSeparator, modules), "--add-modules", "dev.uvswap",
                "-cp", classPath, ModulePathMain.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the child finished");
        String out = new String(p.getInputStream().readAllBytes());
        System.out.println(out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("module dev.uvswap") && out.strip().endsWith("OK"), out);
        assertFalse(out.contains("WARNING"), "native access is granted by module name: " + out);
    }
}
