package dev.uvswap.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Loads a native library bundled in a jar, for the FFM API (the netty {@code NativeLibraryLoader} /
 * zstd-jni {@code Native} recipe, with {@link SymbolLookup#libraryLookup(Path, Arena)} in place of
 * {@code System.load}; {@link #loadIntoClassLoader} uses {@code System.load} as well, for jextract's
 * generated header classes, which find their functions through their class loader).
 *
 * <p>{@code load(name, arena)} looks, in order:
 * <ol>
 * <li>at the system property {@code <name>.library.path} ({@code -Duvswap.library.path=/path/libuvswap.so}
 *     for libuvswap): the path of the .so to load, nothing else is tried;</li>
 * <li>for the class-path resource {@code META-INF/native/linux-<os.arch>/lib<name>.so} (where the
 *     {@code uvswap-native} jar puts it), through this class's loader and then the thread's context
 *     class loader.  The resource is copied to a temporary file in {@code -Duvswap.tmpdir} (default
 *     {@code java.io.tmpdir}), opened, and the file is deleted at once: the mapping stays.</li>
 * </ol>
 * A failure is an {@link UnsatisfiedLinkError} that says what was looked for, where, and what to set.
 *
 * <p>Each library is loaded once per process: later calls return the cached lookup for as long as the
 * arena of the first successful call is alive (pass {@link Arena#global()}, as the bindings do).
 */
public final class NativeLibraryLoader {

    /** Directory for the extracted library; must be on a filesystem mounted without {@code noexec}. */
    public static final String TMPDIR_PROPERTY = "uvswap.tmpdir";

    /** Suffix of the override property: {@code <name>.library.path}, e.g. {@code uvswap.library.path}. */
    public static final String LIBRARY_PATH_SUFFIX = ".library.path";

    /** {@code systemLoaded}: opened with {@code System.load} too, so the class loader's lookup finds it. */
    private record Loaded(SymbolLookup lookup, Arena arena, String origin, boolean systemLoaded) {}

    /** Opens the file at {@code path} (the override, or the extracted copy before it is deleted). */
    @FunctionalInterface
    private interface Opener {
        SymbolLookup open(Path path);
    }

    private static final Map<String, Loaded> LOADED = new HashMap<>();

    private NativeLibraryLoader() {}

    /**
     * Whether this module may call restricted methods (granted, or only warned about): the
     * generated bindings make their downcalls from here, so on the module path they need
     * {@code --enable-native-access=dev.uvswap.bindings} as much as the runtime needs its own.
     * Loads nothing and links nothing.
     */
    public static boolean nativeAccessAllowed() {
        if (NativeLibraryLoader.class.getModule().isNativeAccessEnabled()) {
            return true;
        }
        try {
            MemorySegment.NULL.reinterpret(0);   // the cheapest restricted method
            return true;
        } catch (IllegalCallerException e) {
            return false;
        }
    }

    /**
     * Loads {@code lib<name>.so} (see the class comment for where from) into {@code arena}, or returns the
     * lookup of the process's earlier load.
     *
     * @throws UnsatisfiedLinkError when the library cannot be found or opened; the message says why
     */
    public static SymbolLookup load(String name, Arena arena) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arena, "arena");
        synchronized (LOADED) {
            Loaded loaded = LOADED.get(name);
            if (loaded != null && loaded.arena().scope().isAlive()) {
                return loaded.lookup();
            }
            loaded = doLoad(name, arena, false, path -> SymbolLookup.libraryLookup(path, arena));
            LOADED.put(name, loaded);
            return loaded.lookup();
        }
    }

    /**
     * Loads {@code lib<name>.so} (from where {@link #load} would) with {@link System#load}, for the lifetime
     * of this module's class loader, so that {@link SymbolLookup#loaderLookup()} of the classes of this
     * module finds its symbols: jextract's generated header classes look their functions up that way.
     * Once per process; returns a lookup of that library alone.
     *
     * @throws UnsatisfiedLinkError when the library cannot be found or opened; the message says why
     */
    public static SymbolLookup loadIntoClassLoader(String name) {
        Objects.requireNonNull(name, "name");
        synchronized (LOADED) {
            Loaded loaded = LOADED.get(name);
            if (loaded != null && loaded.systemLoaded()) {
                return loaded.lookup();
            }
            loaded = doLoad(name, Arena.global(), true, path -> {
                System.load(path.toString());
                return SymbolLookup.libraryLookup(path, Arena.global());
            });
            LOADED.put(name, loaded);
            return loaded.lookup();
        }
    }

    /**
     * Where the loaded library came from ("-Duvswap.library.path=...", or the resource URL and the
     * temporary copy), for diagnostics; empty when {@code name} is not loaded.
     */
    public static Optional<String> loadedFrom(String name) {
        synchronized (LOADED) {
            Loaded loaded = LOADED.get(name);
            return loaded == null || !loaded.arena().scope().isAlive() ? Optional.empty() : Optional.of(loaded.origin());
        }
    }

    /** The class-path resource that holds {@code lib<name>.so} for this JVM's architecture. */
    public static String resourceName(String name) {
        return "META-INF/native/linux-" + System.getProperty("os.arch") + "/" + System.mapLibraryName(name);
    }

    private static Loaded doLoad(String name, Arena arena, boolean systemLoad, Opener opener) {
        String file = System.mapLibraryName(name);
        String pathProperty = name + LIBRARY_PATH_SUFFIX;
        String override = System.getProperty(pathProperty);
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override);
            if (!Files.isRegularFile(path)) {
                throw unsatisfied(file + " not found: -D" + pathProperty + "=" + override
                        + " does not name a file (it must be the path of the .so itself, e.g. -D" + pathProperty
                        + "=/path/" + file + ")", null);
            }
            try {
                return new Loaded(opener.open(path), arena, "-D" + pathProperty + "=" + override, systemLoad);
            } catch (IllegalArgumentException | IllegalCallerException | UnsatisfiedLinkError e) {
                throw unsatisfied(file + " could not be opened from -D" + pathProperty + "=" + override + ": "
                        + e.getMessage() + dlerror(path) + ". " + noexecHint(path, false), e);
            }
        }

        String osName = System.getProperty("os.name", "?");
        String resource = resourceName(name);
        String overrideHint = "To load a library built elsewhere, set -D" + pathProperty + "=/path/" + file + ".";
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            throw unsatisfied(file + " is Linux-only (userfaultfd); this JVM runs on os.name=" + osName + ". "
                    + overrideHint, null);
        }

        List<ClassLoader> loaders = new ArrayList<>();
        ClassLoader own = NativeLibraryLoader.class.getClassLoader();
        loaders.add(own != null ? own : ClassLoader.getSystemClassLoader());
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null && !loaders.contains(context)) {
            loaders.add(context);
        }
        URL url = null;
        ClassLoader foundBy = null;
        for (ClassLoader loader : loaders) {
            url = loader.getResource(resource);
            if (url != null) {
                foundBy = loader;
                break;
            }
        }
        if (url == null) {
            throw unsatisfied(file + " not found: no resource " + resource + " visible to class loader "
                    + describe(loaders) + ". It comes from the uvswap-native jar built for linux-"
                    + System.getProperty("os.arch") + " (os.arch); is that jar on the class path, and was it built "
                    + "on this architecture? " + overrideHint, null);
        }

        Path dir = Path.of(System.getProperty(TMPDIR_PROPERTY, System.getProperty("java.io.tmpdir")));
        String where = resource + " (" + url + ", found by class loader " + describe(List.of(foundBy)) + ")";
        Path tmp = null;
        try {
            try {
                Files.createDirectories(dir);
                tmp = Files.createTempFile(dir, "lib" + name + "-", ".so");
                try (InputStream in = url.openStream()) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException | UncheckedIOException | SecurityException e) {
                throw unsatisfied(file + " could not be extracted: copying " + where + " into " + dir
                        + " failed: " + e + ". Set -D" + TMPDIR_PROPERTY + "=<a writable directory>. " + overrideHint, e);
            }
            try {
                SymbolLookup lookup = opener.open(tmp);
                return new Loaded(lookup, arena, where + " extracted to " + tmp, systemLoad);
            } catch (IllegalArgumentException | IllegalCallerException | UnsatisfiedLinkError e) {
                throw unsatisfied(file + " could not be loaded: " + where + " was extracted to " + tmp
                        + " but opening it failed: " + e.getMessage() + dlerror(tmp) + ". " + noexecHint(tmp, true)
                        + overrideHint, e);
            }
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    tmp.toFile().deleteOnExit();
                }
            }
        }
    }

    /**
     * The JDK's "Cannot open library" message drops dlerror(): open the file again with libc's dlopen to
     * get it (" (dlerror: ...)"), e.g. "failed to map segment from shared object" on a noexec mount.
     */
    private static String dlerror(Path path) {
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            MethodHandle dlopen = linker.downcallHandle(libc.find("dlopen").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
            MethodHandle dlerror = linker.downcallHandle(libc.find("dlerror").orElseThrow(), FunctionDescriptor.of(ADDRESS));
            MethodHandle dlclose = linker.downcallHandle(libc.find("dlclose").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment handle = (MemorySegment) dlopen.invokeExact(arena.allocateFrom(path.toString()), 1 /* RTLD_LAZY */);
                if (handle.address() != 0) {
                    int ignored = (int) dlclose.invokeExact(handle);
                    return "";
                }
                MemorySegment message = (MemorySegment) dlerror.invokeExact();
                return message.address() == 0 ? "" : " (dlerror: " + message.reinterpret(Integer.MAX_VALUE).getString(0) + ")";
            }
        } catch (Throwable t) {
            return "";
        }
    }

    private static UnsatisfiedLinkError unsatisfied(String message, Throwable cause) {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(message);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private static String describe(List<ClassLoader> loaders) {
        List<String> names = new ArrayList<>();
        for (ClassLoader l : loaders) {
            names.add((l.getName() != null ? l.getName() + " " : "") + "(" + l + ")");
        }
        return String.join(" nor the thread context class loader ", names);
    }

    /** Says whether {@code file} lies on a {@code noexec} mount (which makes dlopen fail), per /proc/self/mountinfo. */
    private static String noexecHint(Path file, boolean extracted) {
        String mount = noexecMount(file);
        String fix = extracted ? "set -D" + TMPDIR_PROPERTY + "=<a directory on a filesystem mounted without noexec>. "
                : "put the library elsewhere. ";
        if (mount != null) {
            return file.getParent() + " is on " + mount + ", mounted noexec: libraries there cannot be mapped "
                    + "executable; " + fix;
        }
        return "(If " + file.getParent() + " is on a noexec filesystem, " + fix.trim() + ") ";
    }

    static String noexecMount(Path file) {
        Path real;
        try {
            real = (Files.exists(file) ? file : file.getParent()).toRealPath();
        } catch (IOException | RuntimeException e) {
            return null;
        }
        String best = null;
        boolean noexec = false;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // id parent major:minor root mount-point mount-options [optional...] - fstype source super-options
                String[] f = line.split(" ");
                if (f.length < 6) {
                    continue;
                }
                String mountPoint = f[4].replace("\\040", " ");
                if (real.startsWith(mountPoint) && (best == null || mountPoint.length() >= best.length())) {
                    best = mountPoint;
                    noexec = List.of(f[5].split(",")).contains("noexec");
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return noexec ? best : null;
    }
}
