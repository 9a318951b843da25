package dev.uvswap.internal.ctx;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes one background thread: {@link #ring} from any thread, {@link #await} in the thread's
 * loop. A ring while the thread is busy is not lost: the next await returns at once.
 */
public final class Doorbell {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition rung = lock.newCondition();
    private boolean pending;

    public void ring() {
        lock.lock();
        try {
            pending = true;
            rung.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Returns when rung (now or since the last await) or after {@code nanos}. */
    public void await(long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (!pending && left > 0) {
                left = rung.awaitNanos(left);
            }
            pending = false;
        } finally {
            lock.unlock();
        }
    }
}
