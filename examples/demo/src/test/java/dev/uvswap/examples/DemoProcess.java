package dev.uvswap.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo run as `./uvs demo` runs it: its own JVM with the README's flags, stdout and stderr kept apart. */
record DemoProcess(int exit, String out, String err) {

    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--illegal-native-access=deny", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), Demo.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static DemoProcess run(String... args) throws IOException, InterruptedException {
        return of(new ProcessBuilder(command(args)).start());
    }

    static DemoProcess of(Process p) throws IOException, InterruptedException {
        // Drain stderr on the side: a full pipe would stall the child.
        StringBuilder err = new StringBuilder();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                err.append(new String(p.getErrorStream().readAllBytes()));
            } catch (IOException e) {
                err.append(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "demo finished");
        t.join();
        return new DemoProcess(p.exitValue(), out, err.toString());
    }
}
