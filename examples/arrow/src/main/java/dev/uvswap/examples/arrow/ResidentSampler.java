package dev.uvswap.examples.arrow;

import dev.uvswap.MemoryGroup;
import java.util.concurrent.locks.LockSupport;

/** Samples a group's memoryCurrent every 0.5 ms on a daemon thread and keeps the peak. */
final class ResidentSampler implements AutoCloseable {
    private final MemoryGroup group;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peak;
    private volatile long samples;

    ResidentSampler(MemoryGroup group) {
        this.group = group;
        this.thread = Thread.ofPlatform().daemon().name("resident-sampler").start(this::loop);
    }

    private void loop() {
        while (running) {
            long now = group.memoryCurrent();
            if (now > peak) {
                peak = now;
            }
            samples++;
            LockSupport.parkNanos(500_000);   // memoryCurrent sums over the group's regions: cheap, not free
        }
    }

    long peak() {
        return Math.max(peak, group.memoryCurrent());
    }

    long samples() {
        return samples;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
