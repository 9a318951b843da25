package dev.uvswap.internal.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDictDecompress;
import dev.uvswap.UnsupportedPlatformException;
import dev.uvswap.bindings.uvswap.uvswap_h;
import dev.uvswap.internal.group.Account;
import dev.uvswap.internal.os.NativeErrors;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The dictionary slots of {@code uvs_codec.c} (issue 18, architecture.md §9): up to
 * {@code UVS_DICT_MAX} zstd dictionaries per VSwap, each installed in C as a {@code ZSTD_CDict}
 * and a {@code ZSTD_DDict} made by the system's libzstd, the library C compresses and decodes
 * with. A slot stays installed until the VSwap is gone: any object made with it may live that
 * long, in the pool, a swap file or the far tier. Also owns the one thread that trains, and each
 * account's {@link GroupDictionary}.
 */
public final class ZstdDictionaries implements AutoCloseable {
    /** The dictionary size the measurement used (bench/RESULTS.md, "Compression units and dictionaries"). */
    static final int DICT_BYTES = 64 << 10;
    /**
     * A group rechecks its dictionary after 1 GiB of swap-out: data drifts (the JDK image's
     * dictionary saved 12% on the pages it was judged on and 2% 24 MiB further on), and a
     * round costs 4 MiB of samples and a second of the trainer thread.
     */
    static final long RECHECK_PAGES = 1L << 18;

    private static final Linker LINKER = Linker.nativeLinker();

    /** An installed slot; {@code forSamples} decodes the sampled pages compressed with it, in Java. */
    record Installed(int slot, int id, byte[] dict, MemorySegment cdict, MemorySegment ddict,
                     ZstdDictDecompress forSamples) {
        int bytes() {
            return dict.length;
        }
    }

    private final MemorySegment ctx;
    private final int level;
    private final MethodHandle createCDict;
    private final MethodHandle createDDict;
    private final MethodHandle freeCDict;
    private final MethodHandle freeDDict;
    private final Installed[] slots = new Installed[uvswap_h.UVS_DICT_MAX()];
    private final AtomicReferenceArray<GroupDictionary> groups = new AtomicReferenceArray<>(Account.MAX_ACCOUNTS);
    private final ExecutorService trainer;
    /** Pages a group swaps out after a round before the next round rechecks its dictionary. */
    private final long recheckPages;
    /** Pages compressed with a dictionary (kept or not afterwards). */
    public final LongAdder pagesCompressed = new LongAdder();

    /** For the VSwap whose C context is {@code ctx}, compressing at zstd {@code level}. */
    public ZstdDictionaries(MemorySegment ctx, int level, String name) {
        requireTrainer();
        SymbolLookup zstd = CompressionCodec.systemZstd();
        if (zstd == null) {
            throw new UnsupportedPlatformException("dictionaries need zstd: " + CompressionCodec.ZSTD_REMEDY);
        }
        this.ctx = ctx;
        this.level = level;
        this.createCDict = handle(zstd, "ZSTD_createCDict",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        this.createDDict = handle(zstd, "ZSTD_createDDict",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        this.freeCDict = handle(zstd, "ZSTD_freeCDict", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        this.freeDDict = handle(zstd, "ZSTD_freeDDict", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        this.recheckPages = Long.getLong("dev.uvswap.dictionaryRecheckPages", RECHECK_PAGES);
        this.trainer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "uvswap-dictionary-trainer-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** zstd-jni is an optional module: say what is missing rather than fail at the first training. */
    private static void requireTrainer() {
        try {
            Class.forName("com.github.luben.zstd.ZstdDictTrainer", false, ZstdDictionaries.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new UnsupportedPlatformException("dictionaries are trained with zstd-jni (com.github.luben:zstd-jni),"
                    + " which is not here: put it on the class path, or on the module path with"
                    + " --add-modules com.github.luben.zstd_jni (" + e + ")");
        }
    }

    private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new UnsupportedPlatformException(
                "libzstd.so.1 has no " + name)), d);
    }

    int level() {
        return level;
    }

    long recheckPages() {
        return recheckPages;
    }

    /** The dictionary state of {@code account}; the first call starts its first training round. */
    public GroupDictionary of(Account account) {
        GroupDictionary g = groups.get(account.id());
        if (g == null) {
            GroupDictionary made = new GroupDictionary(this);
            g = groups.compareAndExchange(account.id(), null, made);
            if (g == null) {
                g = made;
            }
        }
        return g;
    }

    /** The state of {@code account} if it ever compressed with dictionaries on, or null. */
    public GroupDictionary peek(Account account) {
        return groups.get(account.id());
    }

    /** Dictionaries installed (at most UVS_DICT_MAX). */
    public synchronized int installed() {
        int n = 0;
        for (Installed i : slots) {
            n += i != null ? 1 : 0;
        }
        return n;
    }

    /** Runs a training round off every caller's thread; false once training has stopped. */
    boolean submit(Runnable round) {
        try {
            trainer.execute(round);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * Installs {@code dict} in a free slot: its CDict (at this VSwap's level) and DDict made by
     * libzstd, then {@code uvs_dict_add}. Null when every slot is taken.
     *
     * @throws IllegalArgumentException for a dictionary without an id, or with one installed already
     */
    synchronized Installed install(byte[] dict) {
        int id = (int) Zstd.getDictIdFromDict(dict);
        if (id == 0) {
            throw new IllegalArgumentException("a dictionary without an id cannot be named by its frames");
        }
        int slot = -1;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null && slots[i].id() == id) {
                throw new IllegalArgumentException("dictionary id " + Integer.toUnsignedString(id) + " is installed already");
            }
            if (slots[i] == null && slot < 0) {
                slot = i;
            }
        }
        if (slot < 0) {
            return null;
        }
        MemorySegment cdict = MemorySegment.NULL;
        MemorySegment ddict = MemorySegment.NULL;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocateFrom(ValueLayout.JAVA_BYTE, dict);
            cdict = (MemorySegment) createCDict.invokeExact(bytes, (long) dict.length, level);
            ddict = (MemorySegment) createDDict.invokeExact(bytes, (long) dict.length);
            if (cdict.equals(MemorySegment.NULL) || ddict.equals(MemorySegment.NULL)) {
                throw new OutOfMemoryError("libzstd could not make a dictionary of " + dict.length + " bytes");
            }
            NativeErrors.check(uvswap_h.uvs_dict_add(ctx, slot, id, cdict, ddict), "uvs_dict_add");
        } catch (RuntimeException | Error e) {
            free(cdict, ddict);
            throw e;
        } catch (Throwable t) {
            free(cdict, ddict);
            throw new IllegalStateException("making a zstd dictionary", t);
        }
        Installed in = new Installed(slot, id, dict.clone(), cdict, ddict, new ZstdDictDecompress(dict));
        slots[slot] = in;
        return in;
    }

    /** The slot's dictionary, or null. */
    synchronized Installed slot(int slot) {
        return slot < 0 || slot >= slots.length ? null : slots[slot];
    }

    private void free(MemorySegment cdict, MemorySegment ddict) {
        try {
            if (!cdict.equals(MemorySegment.NULL)) {
                long r = (long) freeCDict.invokeExact(cdict);
            }
            if (!ddict.equals(MemorySegment.NULL)) {
                long r = (long) freeDDict.invokeExact(ddict);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("freeing a zstd dictionary", t);
        }
    }

    /** Stops training (before the C context goes): rounds not finished fail. Idempotent. */
    public void stopTraining() {
        trainer.shutdownNow();
        try {
            trainer.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < groups.length(); i++) {
            GroupDictionary g = groups.get(i);
            if (g != null) {
                g.abandon();
            }
        }
    }

    /** Frees every dictionary: only once the C context is destroyed, which held them. */
    @Override
    public void close() {
        stopTraining();   // not under the lock: a round may be installing
        synchronized (this) {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != null) {
                    free(slots[i].cdict(), slots[i].ddict());
                    slots[i].forSamples().close();
                    slots[i] = null;
                }
            }
        }
    }
}
