package dev.uvswap.internal.file;

import dev.uvswap.SwapFileEvent;
import dev.uvswap.internal.file.SwapFile;
import dev.uvswap.internal.file.SwapFiles;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * What went wrong with the swap files: counters for the stats and events for the application's
 * listener. Also the one place that decides what a failed write does to its run: no space
 * gives its blocks back, anything else marks them bad.
 */
public final class FileEvents {
    private final Consumer<SwapFileEvent> listener;
    private final Set<SwapFile> reportedDeleted = ConcurrentHashMap.newKeySet();
    private final Set<SwapFile> reportedFull = ConcurrentHashMap.newKeySet();

    final LongAdder writeErrors = new LongAdder();
    final LongAdder noSpace = new LongAdder();
    final LongAdder full = new LongAdder();

    FileEvents(Consumer<SwapFileEvent> listener) {
        this.listener = listener;
    }

    public void writeFailed(SwapFiles.Run run, int errno) {
        SwapFile f = run.file();
        if (SwapFile.noSpace(errno)) {
            f.unallocate(run);
            noSpace.increment();
            emit(new SwapFileEvent.NoSpace(f.path(), errno));
        } else {
            f.markBad(run);
            writeErrors.increment();
            emit(new SwapFileEvent.WriteError(f.path(), errno, run.blocks()));
        }
    }

    /** True the first time a file is seen deleted. */
    boolean deletedOnce(SwapFile f) {
        return reportedDeleted.add(f);
    }

    /** No file had a block: report each file that became full since it was last seen not full. */
    public void noRoom(SwapFiles files) {
        for (SwapFile f : files.files()) {
            if (!f.full()) {
                reportedFull.remove(f);
            } else if (reportedFull.add(f)) {
                full.increment();
                emit(new SwapFileEvent.Full(f.path()));
            }
        }
    }

    void emit(SwapFileEvent e) {
        if (listener == null) {
            return;
        }
        try {
            listener.accept(e);
        } catch (RuntimeException ignored) {
            // A listener's failure must not stop writeback; the counters still tell.
        }
    }
}
