package dev.uvswap;

import dev.uvswap.bindings.libc.Syscalls;
import dev.uvswap.bindings.libc.libc_h;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real fork(): the child shares the parent's private pages copy-on-write, and UFFDIO_MOVE
 * refuses pages that are not exclusive to the process. uvswap's mappings are MADV_DONTFORK, so
 * a child never shares them; where a page is refused anyway, it is counted, never dropped.
 */
class ForkTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle FORK = libc("fork", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle PAUSE = libc("pause", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle KILL = libc("kill",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle WAITPID = libc("waitpid", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final int PAGES = 64;

    private static MethodHandle libc(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd);
    }

    @BeforeEach
    void platform() {
        Platform.assumeSupported();
    }

    @Test
    void pagesStillLeaveWhileAChildProcessLives() throws Throwable {
        try (VSwap vswap = VSwap.builder().build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            fill(r);
            int child = forkSleepingChild();
            try {
                assertEquals(PAGES, r.pageOut(0, r.size()), "every page leaves although a child lives");
                assertEquals(0, vswap.stats().evictRefusedPages());
                check(r);
            } finally {
                reap(child);
            }
        }
    }

    @Test
    void aPageTheKernelRefusesStaysAndIsCounted() throws Throwable {
        try (VSwap vswap = VSwap.builder().build();
             Region r = vswap.allocate(PAGES * 4096, RegionOption.SMALL_PAGES)) {
            fill(r);
            // An application that undoes uvswap's MADV_DONTFORK: its child shares every page.
            assertEquals(0, Syscalls.madvise(r.segment(), r.size(), libc_h.MADV_DOFORK()));
            int child = forkSleepingChild();
            try {
                assertEquals(0, r.pageOut(0, r.size()), "shared pages cannot leave");
                assertEquals(PAGES, vswap.stats().evictRefusedPages(), "and each refusal is counted");
                assertEquals(PAGES * 4096L, r.residentBytes());
                check(r);
            } finally {
                reap(child);
            }
            // With the child gone, a page is exclusive again from its next write (the kernel
            // marks it so in its write fault, not when the child exits); then it leaves as usual.
            fill(r);
            assertEquals(PAGES, r.pageOut(0, r.size()));
            check(r);
        }
    }

    private static void fill(Region r) {
        for (long p = 0; p < PAGES; p++) {
            PageData.RANDOM.fill(r.segment(), p, 77);
        }
    }

    private static void check(Region r) {
        for (long p = 0; p < PAGES; p++) {
            assertEquals(-1, PageData.RANDOM.check(r.segment(), p, 77), "page " + p);
        }
    }

    /** A child that only waits to be killed: it runs no Java beyond returning from fork(). */
    private static int forkSleepingChild() throws Throwable {
        int pid = (int) FORK.invokeExact();
        if (pid == 0) {
            for (;;) {
                int ignored = (int) PAUSE.invokeExact();
            }
        }
        assertTrue(pid > 0, "fork failed");
        return pid;
    }

    private static void reap(int pid) throws Throwable {
        int rc = (int) KILL.invokeExact(pid, 9 /* SIGKILL */);
        assertEquals(0, rc);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment status = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(pid, (int) WAITPID.invokeExact(pid, status, 0));
        }
    }
}
