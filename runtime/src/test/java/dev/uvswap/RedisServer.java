package dev.uvswap;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Debian {@code redis-server} on a loopback port, started and stopped by a test (the far
 * tier's tests). A test that needs one reports itself skipped, naming what is missing, where
 * {@code redis-server} is not installed ({@code .ci/run} installs it). {@link #cli} runs
 * {@code redis-cli} against it, for what a test looks at on the server's side.
 */
final class RedisServer implements AutoCloseable {
    private final Path dir;
    private final List<String> extra;
    final int port;
    private Process process;

    /** The --requirepass given, which cli() then uses; null if none. */
    private final String password;

    private RedisServer(Path dir, int port, List<String> extra) {
        this.dir = dir;
        this.port = port;
        this.extra = extra;
        int i = extra.indexOf("--requirepass");
        this.password = i >= 0 ? extra.get(i + 1) : null;
    }

    /** Starts a server with its data in {@code dir}; {@code extra} are more {@code --name value} settings. */
    static RedisServer start(Path dir, String... extra) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-server")),
                "redis-server not installed (Debian package redis-server): the far tier's tests need a real server");
        RedisServer s = new RedisServer(dir, freePort(), List.of(extra));
        s.startProcess();
        return s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void startProcess() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--daemonize", "no",
                "--protected-mode", "no", "--logfile", dir.resolve("redis.log").toString()));
        cmd.addAll(extra);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("redis.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!cli("PING").equals("PONG")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server did not start on port " + port + ": "
                        + Files.readString(dir.resolve("redis.out")) + log());
            }
            Thread.sleep(20);
        }
    }

    private String log() throws IOException {
        Path log = dir.resolve("redis.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Kills the server at once (SIGKILL): no shutdown, no save. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Starts it again on the same port and directory (with appendonly, it loads what it had). */
    void restart() throws Exception {
        startProcess();
    }

    /** Runs {@code redis-cli -p PORT args...}; its output, trimmed ("" if it could not connect). */
    String cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        if (password != null) {
            cmd.addAll(List.of("-a", password, "--no-auth-warning"));
        }
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out.startsWith("Could not connect") ? "" : out;
    }

    /** How many keys start with {@code prefix}. */
    long keys(String prefix) throws IOException, InterruptedException {
        String out = cli("--scan", "--pattern", prefix + "*");
        return out.isEmpty() ? 0 : out.lines().count();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
