package dev.uvswap.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real memory cgroup made for a test, under the test process's own memory cgroup (cgroup v1) or
 * under the v2 root (v2 forbids a child controller where processes live): created with a limit,
 * a process started inside it, removed on close. A test on a machine where none can be made is
 * skipped with the reason, never passed.
 */
public final class TestCgroup implements AutoCloseable {
    private final Path dir;
    private final boolean v2;
    private final List<TestCgroup> children = new ArrayList<>();

    private TestCgroup(Path dir, boolean v2) {
        this.dir = dir;
        this.v2 = v2;
    }

    public Path dir() {
        return dir;
    }

    /** A new cgroup named {@code name} with memory limit {@code limit} (0: none of its own). */
    public static TestCgroup create(String name, long limit) throws IOException {
        Optional<TestCgroup> base = base();
        assumeTrue(base.isPresent(), "no writable memory cgroup (needs root and cgroup v2 with the memory "
                + "controller at its root, or the v1 memory controller mounted)");
        return base.get().child(name, limit);
    }

    public TestCgroup child(String name, long limit) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectory(d);
        TestCgroup c = new TestCgroup(d, v2);
        children.add(c);
        if (v2 && limit > 0) {
            Files.writeString(dir.resolve("cgroup.subtree_control"), "+memory");
        }
        if (limit > 0) {
            Files.writeString(d.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), Long.toString(limit));
        }
        return c;
    }

    /** Starts {@code command} inside this cgroup: a shell writes its own pid to cgroup.procs, then execs it. */
    public Process start(List<String> command) throws IOException {
        return builder(command).start();
    }

    /** The process builder {@link #start} uses, to redirect its streams first. */
    public ProcessBuilder builder(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
                dir.resolve("cgroup.procs").toString()));
        cmd.addAll(command);
        return new ProcessBuilder(cmd);
    }

    /** Times the kernel OOM-killed a process of this cgroup (v2 memory.events, v1 memory.oom_control). */
    public long oomKills() throws IOException {
        Path f = dir.resolve(v2 ? "memory.events" : "memory.oom_control");
        for (String l : Files.readAllLines(f)) {
            if (l.startsWith("oom_kill ")) {
                return Long.parseLong(l.substring(9).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (TestCgroup c : children.reversed()) {
            c.close();
        }
        // The last process may still be leaving: rmdir is EBUSY until it has.
        for (int i = 0; i < 50 && Files.exists(dir); i++) {
            try {
                Files.delete(dir);
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
    }

    /** The directory children go under, as a handle that is never removed itself. */
    private static Optional<TestCgroup> base() throws IOException {
        Path v2root = Path.of("/sys/fs/cgroup");
        if (Files.exists(v2root.resolve("cgroup.controllers"))
                && Files.readString(v2root.resolve("cgroup.controllers")).contains("memory")
                && Files.isWritable(v2root.resolve("cgroup.subtree_control"))) {
            return Optional.of(new TestCgroup(v2root, true));
        }
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        if (!Files.exists(v1.resolve("memory.limit_in_bytes"))) {
            return Optional.empty();
        }
        String own = "/";
        for (String l : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] f = l.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
                own = f[2];
            }
        }
        Path dir = v1.resolve(own.replaceFirst("^/+", ""));
        return Files.isWritable(dir) ? Optional.of(new TestCgroup(dir, false)) : Optional.empty();
    }
}
