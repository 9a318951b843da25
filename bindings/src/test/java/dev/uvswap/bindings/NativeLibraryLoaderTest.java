package dev.uvswap.bindings;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(PrintSkipReasons.class)
class NativeLibraryLoaderTest {

    @Test
    void missingResourceSaysWhatWasLookedForAndHowToOverride() {
        String name = "uvswaptest-missing";
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibraryLoader.load(name, Arena.global()));
        String m = e.getMessage();
        assertTrue(m.contains("META-INF/native/linux-" + System.getProperty("os.arch") + "/lib" + name + ".so"), m);
        assertTrue(m.contains("class loader"), m);
        assertTrue(m.contains("-D" + name + ".library.path=/path/lib" + name + ".so"), m);
    }

    @Test
    void overridePathMustNameAFile(@TempDir Path dir) {
        String name = "uvswaptest-override";
        String property = name + ".library.path";
        try {
            System.setProperty(property, dir.resolve("nothing-here.so").toString());
            UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibraryLoader.load(name, Arena.global()));
            assertTrue(e.getMessage().contains("nothing-here.so") && e.getMessage().contains("does not name a file"), e.getMessage());
        } finally {
            System.clearProperty(property);
        }
    }

    /** dlopen itself fails (an undefined data symbol is resolved at load time): the cause is passed on. */
    @Test
    void overridePathThatDoesNotOpenReportsDlopensError(@TempDir Path dir) throws Exception {
        Optional<Path> gcc = LayoutTest.onPath("gcc");
        Assumptions.assumeTrue(gcc.isPresent(), "gcc not found on PATH: cannot build the test library");
        Path lib = dir.resolve("libbroken.so");
        Path src = Files.writeString(dir.resolve("b.c"),
                "extern int uvswaptest_nowhere;\nint uvswaptest_get(void) { return uvswaptest_nowhere; }\n");
        LayoutTest.Run cc = LayoutTest.run(List.of(gcc.get().toString(), "-shared", "-fPIC", "-o", lib.toString(), src.toString()));
        assertEquals(0, cc.status(), cc.output());

        String name = "uvswaptest-broken";
        String property = name + ".library.path";
        try {
            System.setProperty(property, lib.toString());
            UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibraryLoader.load(name, Arena.global()));
            String m = e.getMessage();
            assertTrue(m.contains("could not be opened") && m.contains(lib.toString()) && m.contains("uvswaptest_nowhere"), m);
            assertTrue(e.getCause() != null, "the dlopen failure is the cause");
        } finally {
            System.clearProperty(property);
        }
    }

    /** A tiny library in a jar-like class-path directory: extracted, loaded, cached per arena, temp file gone. */
    @Test
    void extractsFromTheClassPathLoadsOnceAndDeletesTheCopy(@TempDir Path dir) throws Throwable {
        Optional<Path> gcc = LayoutTest.onPath("gcc");
        Assumptions.assumeTrue(gcc.isPresent(), "gcc not found on PATH: cannot build the test library");
        String name = "uvswaptest-extract";
        Path classes = dir.resolve("classes");
        Path lib = classes.resolve(NativeLibraryLoader.resourceName(name));
        Files.createDirectories(lib.getParent());
        Path src = Files.writeString(dir.resolve("t.c"), "int uvswaptest_answer(void) { return 42; }\n");
        LayoutTest.Run cc = LayoutTest.run(List.of(gcc.get().toString(), "-shared", "-fPIC", "-o", lib.toString(), src.toString()));
        assertEquals(0, cc.status(), cc.output());

        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader cl = new URLClassLoader(new URL[] {classes.toUri().toURL()}, saved)) {
            System.setProperty(NativeLibraryLoader.TMPDIR_PROPERTY, tmp.toString());
            Thread.currentThread().setContextClassLoader(cl);
            SymbolLookup first;
            try (Arena arena = Arena.ofShared()) {
                first = NativeLibraryLoader.load(name, arena);
                assertSame(first, NativeLibraryLoader.load(name, arena), "loaded once while the arena lives");
                int answer = (int) Linker.nativeLinker()
                        .downcallHandle(first.find("uvswaptest_answer").orElseThrow(), FunctionDescriptor.of(JAVA_INT))
                        .invokeExact();
                assertEquals(42, answer);
                try (Stream<Path> left = Files.list(tmp)) {
                    assertEquals(List.of(), left.toList(), "the extracted copy is deleted once loaded");
                }
                String from = NativeLibraryLoader.loadedFrom(name).orElseThrow();
                assertTrue(from.contains(NativeLibraryLoader.resourceName(name)) && from.contains(tmp.toString()), from);
            }
            assertTrue(NativeLibraryLoader.loadedFrom(name).isEmpty(), "forgotten once its arena is closed");
            try (Arena arena = Arena.ofShared()) {
                assertNotSame(first, NativeLibraryLoader.load(name, arena), "reloaded after the first arena closed");
            }
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
            System.clearProperty(NativeLibraryLoader.TMPDIR_PROPERTY);
        }
    }
}
