package dev.uvswap.internal.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictTrainer;
import com.github.luben.zstd.ZstdException;
import dev.uvswap.CompressionDictionary;
import dev.uvswap.DictionaryTrial;
import dev.uvswap.bindings.uvswap.uvs_cresult;
import dev.uvswap.bindings.uvswap.uvswap_h;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One memory group's zstd dictionary (issue 18): a sample of the group's own pages as they are
 * swapped out, a dictionary trained on the first three quarters of it with zstd-jni's trainer,
 * judged on the last quarter (the pages that left last) against compression without one, and
 * kept only where it saves (the measurement: -12% on JSON records, +9% on the demo's pages, so a
 * dictionary must earn its place on each group's data). Data drifts, so a group rechecks: after
 * {@link ZstdDictionaries#RECHECK_PAGES} pages of swap-out a new round opens by itself, and its
 * trial also judges the dictionary in use; a new one replaces it only when it beats it by the
 * same margin, and the one in use is dropped when it no longer saves that much. A dictionary
 * replaced or dropped stays installed: its pages decode as before.
 *
 * <p>Sampling costs the swap-out path nothing between rounds: one volatile read and one atomic
 * add a batch. While a round samples, every fourth compressed page is decoded (in Java, from the
 * batch's scratch, which is the caller's own) and kept, up to {@link #SAMPLE_PAGES}.
 */
public final class GroupDictionary {
    /** Pages a round samples: 4 MiB, the ~1000 pages a 64 KiB dictionary was measured with. */
    static final int SAMPLE_PAGES = 1024;
    /** One compressed page in this many is sampled, so a round spans 16 MiB of swap-out. */
    static final int SAMPLE_EVERY = 4;
    /** The last 1/JUDGE_EVERY of the sample judges the dictionary; the rest trains it. */
    static final int JUDGE_EVERY = 4;
    private static final int PAGE = 4096;
    /** What the pool stores for a page that does not compress by an eighth (uvs_evict.c's classify). */
    private static final int RAW_ABOVE = PAGE - PAGE / 8;

    private final ZstdDictionaries owner;
    private volatile ZstdDictionaries.Installed current;
    private volatile CompressionDictionary kept;
    private volatile DictionaryTrial lastTrial;
    /** True while a round takes samples: the only field the swap-out path reads when it is done. */
    private volatile boolean sampling;
    // Guarded by this.
    private byte[][] samples;
    private int taken;
    private long seen;
    private CompletableFuture<DictionaryTrial> round;
    private int versions;
    private boolean closed;
    /** Pages swapped out since the last round ended: at {@code recheckPages} a new round opens. */
    private final java.util.concurrent.atomic.AtomicLong since = new java.util.concurrent.atomic.AtomicLong();

    GroupDictionary(ZstdDictionaries owner) {
        this.owner = owner;
        startRound();
    }

    /** The slot to compress the group's pages with, or -1. */
    public int slot() {
        ZstdDictionaries.Installed c = current;
        return c == null ? -1 : c.slot();
    }

    public Optional<CompressionDictionary> dictionary() {
        return Optional.ofNullable(kept);
    }

    public Optional<DictionaryTrial> lastTrial() {
        return Optional.ofNullable(lastTrial);
    }

    /**
     * A new round: the next sample is trained on and judged, and kept if it saves. Returns the
     * round in progress if one is (sampling or training).
     */
    public synchronized CompletableFuture<DictionaryTrial> retrain() {
        return round != null && !round.isDone() ? round : startRound();
    }

    private synchronized CompletableFuture<DictionaryTrial> startRound() {
        round = new CompletableFuture<>();
        if (closed) {
            round.completeExceptionally(new IllegalStateException("VSwap closed"));
            return round;
        }
        since.set(0);
        samples = new byte[SAMPLE_PAGES][];
        taken = 0;
        seen = 0;
        sampling = true;
        return round;
    }

    /**
     * After {@code uvs_compress} of a batch of {@code n} pages with dictionary slot {@code slotUsed}
     * (-1: none): samples its compressed pages while a round wants them.
     */
    public void offer(MemorySegment results, MemorySegment scratch, int n, int slotUsed) {
        if (!sampling) {
            if (since.addAndGet(n) >= owner.recheckPages()) {
                recheck();
            }
            return;
        }
        synchronized (this) {
            for (int i = 0; i < n && sampling; i++) {
                long rec = i * uvs_cresult.sizeof();
                int kind = results.get(ValueLayout.JAVA_INT, rec + uvs_cresult.kind$offset());
                if ((kind != uvswap_h.UVS_CR_ZSTD() && kind != uvswap_h.UVS_CR_RAW()) || seen++ % SAMPLE_EVERY != 0) {
                    continue;
                }
                int len = results.get(ValueLayout.JAVA_INT, rec + uvs_cresult.len$offset());
                byte[] page = page(scratch.asSlice((long) i * PAGE, len), kind, slotUsed);
                if (page != null) {
                    samples[taken++] = page;
                }
                if (taken == SAMPLE_PAGES) {
                    sampling = false;
                    byte[][] full = samples;
                    CompletableFuture<DictionaryTrial> r = round;
                    samples = null;
                    if (!owner.submit(() -> train(full, r))) {
                        r.completeExceptionally(new IllegalStateException("VSwap closed before the dictionary was trained"));
                    }
                }
            }
        }
    }

    /** Enough pages left since the last round: a new one rechecks the dictionary (none while one is training). */
    private synchronized void recheck() {
        if (!sampling && (round == null || round.isDone())) {
            startRound();
        }
    }

    /** The page a result holds, decoded; null if it does not decode (the sample is skipped). */
    private byte[] page(MemorySegment stored, int kind, int slotUsed) {
        byte[] bytes = stored.toArray(ValueLayout.JAVA_BYTE);
        if (kind == uvswap_h.UVS_CR_RAW()) {
            return bytes;
        }
        try {
            ZstdDictionaries.Installed with = owner.slot(slotUsed);
            byte[] page = with == null ? Zstd.decompress(bytes, PAGE) : Zstd.decompress(bytes, with.forSamples(), PAGE);
            return page.length == PAGE ? page : null;
        } catch (ZstdException e) {
            return null;
        }
    }

    /** On the trainer thread: train, judge, keep or not, and complete the round. */
    private void train(byte[][] sample, CompletableFuture<DictionaryTrial> r) {
        DictionaryTrial trial;
        try {
            trial = judge(sample);
        } catch (RuntimeException | OutOfMemoryError e) {
            trial = new DictionaryTrial(0, 0, 0, 0, 0, false, "training failed: " + e);
        }
        lastTrial = trial;
        r.complete(trial);
    }

    private DictionaryTrial judge(byte[][] sample) {
        // Judged on the pages that left last, as the pages to come will: pages that left
        // together are often alike, and judging on neighbours of the training pages flatters.
        int judged = sample.length / JUDGE_EVERY;
        int trainPages = sample.length - judged;
        ZstdDictTrainer trainer = new ZstdDictTrainer(trainPages * PAGE, ZstdDictionaries.DICT_BYTES);
        for (int i = 0; i < trainPages; i++) {
            trainer.addSample(sample[i]);
        }
        byte[] dict;
        try {
            dict = trainer.trainSamples();
        } catch (ZstdException e) {
            return unchanged(new DictionaryTrial(trainPages, judged, 0, 0, 0, false,
                    "zstd could not train on this sample: " + e.getMessage()));
        }
        ZstdDictionaries.Installed inUse = current;
        long without = 0;
        long with = 0;
        long withCurrent = 0;
        try (ZstdDictCompress cdict = new ZstdDictCompress(dict, owner.level());
             ZstdDictCompress old = inUse == null ? null : new ZstdDictCompress(inUse.dict(), owner.level())) {
            for (int i = trainPages; i < sample.length; i++) {
                without += stored(Zstd.compress(sample[i], owner.level()).length);
                with += stored(Zstd.compress(sample[i], cdict).length);
                withCurrent += old == null ? 0 : stored(Zstd.compress(sample[i], old).length);
            }
        }
        long margin = without - (long) (without * DictionaryTrial.KEEP_BELOW);
        String saves = "saves " + percent(without - with, without);
        if (with > without - margin) {
            return unchanged(new DictionaryTrial(trainPages, judged, without, with, withCurrent, false, saves
                    + " of the judged pages' bytes, under the " + Math.round(100 * (1 - DictionaryTrial.KEEP_BELOW))
                    + "% it must"));
        }
        if (inUse != null && with > withCurrent - margin) {
            return unchanged(new DictionaryTrial(trainPages, judged, without, with, withCurrent, false, saves
                    + ", no better than the dictionary in use (" + percent(without - withCurrent, without) + ")"));
        }
        ZstdDictionaries.Installed in;
        try {
            in = owner.install(dict);
        } catch (IllegalArgumentException e) {
            return unchanged(new DictionaryTrial(trainPages, judged, without, with, withCurrent, false, e.getMessage()));
        }
        if (in == null) {
            return unchanged(new DictionaryTrial(trainPages, judged, without, with, withCurrent, false, saves
                    + " but all " + uvswap_h.UVS_DICT_MAX() + " dictionary slots of this VSwap are in use"));
        }
        DictionaryTrial trial = new DictionaryTrial(trainPages, judged, without, with, withCurrent, true, saves);
        synchronized (this) {
            versions++;
            kept = new CompressionDictionary(in.id(), versions, in.bytes(), trial);
            current = in;
        }
        return trial;
    }

    /**
     * A round that keeps no new dictionary: the one in use stays if it still saves what a new
     * one must, and is dropped otherwise (its slot stays installed: its pages still decode).
     */
    private DictionaryTrial unchanged(DictionaryTrial t) {
        if (current == null || t.bytesWithout() == 0
                || t.bytesWithCurrent() <= t.bytesWithout() * DictionaryTrial.KEEP_BELOW) {
            return t;
        }
        synchronized (this) {
            current = null;
            kept = null;
        }
        return new DictionaryTrial(t.trainPages(), t.judgedPages(), t.bytesWithout(), t.bytesWith(), t.bytesWithCurrent(),
                false, t.verdict() + "; the dictionary in use saves only " + percent(t.bytesWithout() - t.bytesWithCurrent(),
                t.bytesWithout()) + " now: the group compresses without one");
    }

    private static String percent(long part, long whole) {
        return String.format("%.1f%%", 100.0 * part / whole);
    }

    private static long stored(int compressed) {
        return compressed > RAW_ABOVE ? PAGE : compressed;
    }

    /** The VSwap stops training: a round in progress fails and no new one samples. */
    synchronized void abandon() {
        closed = true;
        sampling = false;
        samples = null;
        if (round != null) {
            round.completeExceptionally(new IllegalStateException("VSwap closed before the dictionary was trained"));
        }
    }
}
