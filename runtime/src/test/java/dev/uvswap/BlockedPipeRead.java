package dev.uvswap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Kernel I/O in progress on a buffer: a thread blocked in read(2) from a pipe into it, nobody
 * writing yet. NIO holds the buffer's memory session acquired for the whole read, as it does for
 * any I/O on a segment-backed buffer, so the arena of a region's segment cannot close meanwhile.
 */
final class BlockedPipeRead implements AutoCloseable {
    /** read(2): 0 on x86-64, 63 on arm64 (the generic table). */
    private static final int SYS_READ = System.getProperty("os.arch").equals("aarch64") ? 63 : 0;

    private final Pipe pipe;
    private final Thread reader;
    private final CompletableFuture<Integer> done = new CompletableFuture<>();

    private BlockedPipeRead(ByteBuffer target) throws IOException, InterruptedException {
        Set<Integer> before = pipeFds();
        this.pipe = Pipe.open();
        Set<Integer> fds = pipeFds();
        fds.removeAll(before);
        this.reader = Thread.ofPlatform().name("blocked-pipe-read").start(() -> {
            try {
                int n = 0;
                while (target.hasRemaining()) {
                    int k = pipe.source().read(target);
                    if (k < 0) {
                        break;
                    }
                    n += k;
                }
                done.complete(n);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        // The reader is in the kernel once some thread of ours sits in read(2) on the pipe.
        Await.until(() -> inReadOn(fds) || done.isDone(), "the reader blocks in read(2) on the pipe " + fds);
        if (done.isDone()) {
            throw new AssertionError("the read ended before anything was written: " + done.state());
        }
    }

    /** Starts the read and returns once the reader is blocked in read(2). */
    static BlockedPipeRead start(ByteBuffer target) throws IOException, InterruptedException {
        return new BlockedPipeRead(target);
    }

    /** Writes {@code data} (what the read expects, all of it) and returns the bytes the read got. */
    int finish(byte[] data) throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining()) {
            pipe.sink().write(src);
        }
        return done.get(1, TimeUnit.MINUTES);
    }

    /** Ends the read (end of file) if still blocked. */
    @Override
    public void close() throws Exception {
        pipe.sink().close();
        reader.join(TimeUnit.MINUTES.toMillis(1));
        pipe.source().close();
    }

    private static Set<Integer> pipeFds() throws IOException {
        Set<Integer> fds = new HashSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    if (Files.readSymbolicLink(p).toString().startsWith("pipe:")) {
                        fds.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return fds;
    }

    private static boolean inReadOn(Set<Integer> fds) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String[] sc;
                try {
                    sc = Files.readString(t.resolve("syscall")).trim().split(" ");
                } catch (IOException gone) {
                    continue;
                }
                if (sc.length > 1 && sc[0].equals(Integer.toString(SYS_READ))
                        && fds.contains(Integer.decode(sc[1]))) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
