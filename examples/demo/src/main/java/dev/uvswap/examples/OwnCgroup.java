package dev.uvswap.examples;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --cgroup=N}: the demo run again in its own JVM inside a memory cgroup of N bytes made for
 * it and removed after, so "larger than RAM" can be seen without a container. The cgroup goes
 * under the v2 root (when it offers the memory controller) or under this process's v1 memory
 * cgroup; the kernel's own swap is turned off in it, so every byte that left memory left through
 * uvswap. Needs root.
 */
final class OwnCgroup {
    private OwnCgroup() {
    }

    /** Runs the demo with {@code args} (minus --cgroup) in a new cgroup of {@code limit} bytes; its exit status. */
    static int rerun(long limit, List<String> args) throws IOException, InterruptedException {
        Path dir = create(limit);
        try {
            System.out.printf("demo: running in memory cgroup %s, limit %s, made for this run%n", dir, Units.bytes(limit));
            System.out.flush();
            List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
                    dir.resolve("cgroup.procs").toString(),
                    ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString())));
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Demo.class.getName()));
            cmd.addAll(args.stream().filter(a -> !a.startsWith("--cgroup")).toList());
            int exit = new ProcessBuilder(cmd).inheritIO().start().waitFor();
            long kills = oomKills(dir);
            if (kills > 0) {
                System.err.printf("demo: FAILED: the kernel OOM-killed the demo in its %s cgroup%n", Units.bytes(limit));
                return 1;
            }
            return exit;
        } finally {
            remove(dir);
        }
    }

    private static Path create(long limit) throws IOException {
        Path v2 = Path.of("/sys/fs/cgroup");
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        String name = "uvswap-demo-" + ProcessHandle.current().pid();
        try {
            if (Files.exists(v2.resolve("cgroup.controllers"))
                    && Files.readString(v2.resolve("cgroup.controllers")).contains("memory")) {
                Files.writeString(v2.resolve("cgroup.subtree_control"), "+memory");
                Path dir = Files.createDirectory(v2.resolve(name));
                Files.writeString(dir.resolve("memory.max"), Long.toString(limit));
                Files.writeString(dir.resolve("memory.swap.max"), "0");
                return dir;
            }
            if (Files.exists(v1.resolve("memory.limit_in_bytes"))) {
                String own = "/";
                for (String l : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                    String[] f = l.split(":", 3);
                    if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
                        own = f[2];
                    }
                }
                Path dir = Files.createDirectory(v1.resolve(own.substring(1)).resolve(name));
                Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(limit));
                Files.writeString(dir.resolve("memory.swappiness"), "0");
                return dir;
            }
        } catch (IOException | SecurityException e) {
            throw new IOException("--cgroup: cannot make a memory cgroup (" + e.getMessage()
                    + "); it needs root and cgroup v2 with the memory controller, or cgroup v1's memory hierarchy", e);
        }
        throw new IOException("--cgroup: no memory cgroup hierarchy here (neither cgroup v2 with the memory controller "
                + "nor cgroup v1's memory hierarchy)");
    }

    private static long oomKills(Path dir) {
        for (String file : List.of("memory.events", "memory.oom_control")) {
            try {
                for (String l : Files.readAllLines(dir.resolve(file))) {
                    if (l.startsWith("oom_kill ")) {
                        return Long.parseLong(l.substring(9).trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // the other version's file
            }
        }
        return 0;
    }

    /** rmdir, retried while the last process is still leaving (EBUSY). */
    private static void remove(Path dir) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        System.err.println("demo: could not remove " + dir + "; rmdir it by hand");
    }
}
